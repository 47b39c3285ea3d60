/**
 * Charts as PNG, shared by the drills' and the benchmark's reports: a Vega-Lite spec compiled
 * and drawn by Vega to SVG (headless, no browser or canvas), rasterised by resvg. Text is set
 * in DejaVu Sans, which resvg finds among the system fonts (Debian: fonts-dejavu-core).
 */
import { Resvg } from "@resvg/resvg-js";
import { pathToFileURL } from "url";
import type { TopLevelSpec } from "vega-lite/build/index";

/** The font every text in the charts uses. */
export const CHART_FONT = "DejaVu Sans";

export interface ChartSize {
    width: number;
    height: number;
}

export const DEFAULT_CHART_SIZE: ChartSize = { width: 900, height: 450 };

/** What every chart's spec starts with: Vega-Lite v6, exactly `size` with the padding included, white. */
export function chartFrame(size: ChartSize): {
    $schema: string; width: number; height: number; autosize: { type: "fit"; contains: "padding" }; padding: number; background: string;
} {
    return {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        width: size.width,
        height: size.height,
        autosize: { type: "fit", contains: "padding" },
        padding: 12,
        background: "white",
    };
}

type VegaModule = typeof import("vega");
type VegaLiteModule = typeof import("vega-lite/build/index");

/**
 * A real `import()`: vega and vega-lite are ES modules (vega with a top-level await, which
 * `require` cannot load), and this project compiles to CommonJS, where TypeScript would turn
 * `import()` into `require`. Resolving to a file URL keeps the lookup relative to this file.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const importEsm = new Function("url", "return import(url)") as (url: string) => Promise<unknown>;

let libraries: Promise<{ vega: VegaModule; vegaLite: VegaLiteModule }> | undefined;

function loadLibraries(): Promise<{ vega: VegaModule; vegaLite: VegaLiteModule }> {
    libraries ??= (async () => ({
        vega: (await importEsm(pathToFileURL(require.resolve("vega")).href)) as VegaModule,
        vegaLite: (await importEsm(pathToFileURL(require.resolve("vega-lite")).href)) as VegaLiteModule,
    }))();
    return libraries;
}

/** Any Vega-Lite spec as SVG text. */
export async function renderSpecSvg(spec: TopLevelSpec): Promise<string> {
    const { vega, vegaLite } = await loadLibraries();
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" });
    try {
        return await view.toSVG();
    } finally {
        view.finalize();
    }
}

/** Rasterises SVG at its own size, with system fonts and DejaVu Sans for any family it lacks. */
export function svgToPng(svg: string): Buffer {
    const resvg = new Resvg(svg, {
        background: "white",
        fitTo: { mode: "original" },
        font: { loadSystemFonts: true, defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT },
    });
    return resvg.render().asPng();
}

/** Any Vega-Lite spec as PNG. */
export async function renderSpecPng(spec: TopLevelSpec): Promise<Buffer> {
    return svgToPng(await renderSpecSvg(spec));
}
