/** How a command runs: its main when the file is run (not imported); an error printed as `NAME: message`, exit status 1. */
export function runMain(of: NodeModule, name: string, main: () => Promise<void>): void {
    if (require.main !== of) {
        return;
    }
    main().catch((e: unknown) => {
        console.error(`${name}: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
    });
}
