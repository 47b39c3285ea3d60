/**
 * Seed 000's CNI benchmark as data: Alexis Ducastel's "Benchmark results of Kubernetes network
 * plugins (CNI) over 10Gbit/s network (Updated: April 2019)", in Tony Bai's Chinese translation
 * (shared/seeds/000_85c0e0c9865ca325.txt). Its charts and summary tables are images the text
 * does not carry, so this holds only what the prose says: an order per test in tiers (best
 * first; a tier holds contenders the text does not tell apart), the few figures it quotes, its
 * feature findings and its conclusions. Contenders are named like netlab's bench rounds:
 * the CNI, "-encrypted" for its encrypted variant.
 */
import type { Test } from "./results";

/** Contenders: a CNI, or a CNI with encryption on. */
export type SeedContender =
    | "calico" | "canal" | "cilium" | "flannel" | "kube-router" | "weave" | "cilium-encrypted" | "weave-encrypted";

/** The six CNIs the seed compares (section 为基准测试选择CNI), with the versions it ran. */
export const SEED_CNI_VERSIONS: Readonly<Record<string, string>> = {
    calico: "3.6", canal: "3.6", cilium: "1.4.2", flannel: "0.11.0", "kube-router": "0.2.5", weave: "2.5.1",
};

/** The seed's test bed (section 基准测试的上下文 and 性能). */
export const SEED_SETUP = {
    kubernetes: "1.14.0",
    os: "Ubuntu 18.04 LTS, Docker 18.09.2",
    hosts: "three Supermicro bare-metal servers: the master on the first, the benchmark's server on the second, its client on the third (NodeSelector)",
    network: "a Supermicro 10 Gbit/s switch, DAC SFP+ passive cables, one VLAN with jumbo frames (MTU 9000)",
    runs: "the average bandwidth of (at least) three runs per test",
    mtu: 9000,
} as const;

/** One order the text states: `better` was faster (or, for resources, leaner) than `worse`. */
export interface SeedClaim {
    better: SeedContender[];
    worse: SeedContender[];
}

/** What the seed says about one measurement. */
export interface SeedRanking {
    /** The seed's words (abridged), the source of the tiers. */
    quote: string;
    /** Best first; contenders in one tier are not told apart. Contenders the text does not place are left out. */
    tiers: SeedContender[][];
    /** Orders the text states outside the tiers (between contenders the tiers leave out). */
    claims: SeedClaim[];
    /** Figures the prose quotes (the charts' numbers are not in the text). */
    figures: string[];
}

/**
 * Per throughput test (section 性能). The seed has no pod-to-Service test: "service" is netlab's own.
 * Readings that go beyond the literal words are said in a comment.
 */
export const SEED_RANKINGS: Partial<Record<Test, SeedRanking>> = {
    tcp: {
        quote: "每个CNI都在TCP基准测试中表现良好。由于加密成本,启用加密的CNI远远落后于其他CNI。",
        tiers: [["calico", "canal", "cilium", "flannel", "kube-router", "weave"], ["cilium-encrypted", "weave-encrypted"]],
        claims: [],
        figures: [],
    },
    udp: {
        // The translation's "仅略高于裸机结果的2,3%" garbles the original's "only 2.3% below bare metal";
        // the sentence (Cilium behind its competitors, "which is fair") only reads that way.
        quote: "所有CNI都表现良好。加密的CNI现在彼此非常接近。Cilium落后于其竞争对手,但事实上,它仅略高于裸机结果的2,3%,这是公平的。",
        // "Its competitors": the other unencrypted CNIs. The encrypted ones are only said to be close to each other.
        tiers: [["calico", "canal", "flannel", "kube-router", "weave"], ["cilium"]],
        claims: [],
        figures: ["cilium only 2.3% off bare metal (read as below)"],
    },
    http: {
        quote: "Kube-router有明显的优势,WeaveNet在这项测试中表现非常糟糕,比裸机少了约20%。Cilium加密和WeaveNet加密现在都远远落后于裸机性能。",
        // The encrypted rounds are "far behind bare metal", which does not place them against WeaveNet's -20%.
        tiers: [["kube-router"], ["calico", "canal", "cilium", "flannel"], ["weave"]],
        claims: [],
        figures: ["weave about 20% below bare metal"],
    },
    ftp: {
        quote: "Flannel和Kube-router的表现非常好,Calico,Canal和Cilium稍稍落后,在裸机速度下约为10%。WeaveNet与裸机性能相差甚远,差距为17>%。"
            + "WeaveNet的加密版本比Cilium加密的性能高出约40%。",
        tiers: [["flannel", "kube-router"], ["calico", "canal", "cilium"], ["weave"]],
        claims: [{ better: ["weave-encrypted"], worse: ["cilium-encrypted"] }],
        figures: ["calico, canal, cilium about 10% below bare metal", "weave more than 17% below bare metal",
            "weave-encrypted about 40% faster than cilium-encrypted"],
    },
    scp: {
        quote: "大多数CNI表现良好,但WeaveNet再次落后于其他人。当然,由于双重加密成本(SSH加密+ CNI加密)。",
        // "WeaveNet behind the others" is the tiers; the reason given, double encryption (SSH + the
        // CNI's), applies to the encrypted rounds, read here as: those behind every unencrypted one.
        tiers: [["calico", "canal", "cilium", "flannel", "kube-router"], ["weave"]],
        claims: [{
            better: ["calico", "canal", "cilium", "flannel", "kube-router", "weave"],
            worse: ["cilium-encrypted", "weave-encrypted"],
        }],
        figures: [],
    },
};

/**
 * Resources over an idle Kubernetes without a CNI, during the TCP transfer (section 资源消耗):
 * node RAM without buffers/cache, and CPU. Tiers leanest first.
 */
export const SEED_RESOURCES: Record<"ram" | "cpu", SeedRanking> = {
    ram: {
        quote: "Flannel和Kube-router表现非常好,只有大约50MB的内存占用,其次是Calico和Canal,70MB。WeaveNet……资源占用约为130MB。凭借400MB的内存占用,Cilium具有最高的基准内存消耗。",
        tiers: [["flannel", "kube-router"], ["calico", "canal"], ["weave"], ["cilium"]],
        claims: [],
        figures: ["flannel, kube-router about 50 MB", "calico, canal 70 MB", "weave about 130 MB", "cilium 400 MB"],
    },
    cpu: {
        quote: "Calico,Canal,Flannel和Kube-router都非常高效的CPU使用,与没有CNI的kubernetes相比,开销仅多出2%。远远落后于WeaveNet,开销约为5%,然后是Cilium,CPU开销超过7%。",
        tiers: [["calico", "canal", "flannel", "kube-router"], ["weave"], ["cilium"]],
        claims: [],
        figures: ["calico, canal, flannel, kube-router about 2%", "weave about 5%", "cilium more than 7%", "bare metal 3.8% (38 permil)"],
    },
};

/** NetworkPolicy as the seed tested it (section 安全): ingress and egress, ingress only, or none. */
export type SeedPolicy = "ingress+egress" | "ingress" | "none";

/** What each CNI offered in the seed's tests (sections 安装 and 安全). */
export const SEED_FEATURES: Readonly<Record<string, { networkPolicy: SeedPolicy; encryption: boolean; mtuAuto: boolean }>> = {
    // "只有两个CNI可以实现加密通信:Cilium和WeaveNet"; "Calico,Canal,Cilium和WeaveNet是最好的控制面板。
    // Kube-router实际上只实现了Ingress规则。Flannel没有实现网络策略。"; "Cilium和Flannel是唯一能够正确自动检测MTU的选手".
    calico: { networkPolicy: "ingress+egress", encryption: false, mtuAuto: false },
    canal: { networkPolicy: "ingress+egress", encryption: false, mtuAuto: false },
    cilium: { networkPolicy: "ingress+egress", encryption: true, mtuAuto: true },
    flannel: { networkPolicy: "none", encryption: false, mtuAuto: true },
    "kube-router": { networkPolicy: "ingress", encryption: false, mtuAuto: false },
    weave: { networkPolicy: "ingress+egress", encryption: true, mtuAuto: false },
};

/** The seed's own verdicts (sections 自2018年11月以来都有哪些新变化 and 结论). */
export const SEED_VERDICT = {
    fastest: ["flannel"],
    leanest: ["flannel"],
    fastestEncrypted: ["weave"],
    quotes: [
        "Flannel仍然是CNI竞赛中最快和最精简的那个选手,但它仍然不支持NetworkPolicies(网络策略),也不支持加密。",
        "在启用加密的情况下,WeaveNet比Cilium更快。",
        "Cilium团队还通过降低内存消耗和CPU成本,努力减少CNI占用空间。但他们仍然比其他选手更重。",
    ],
    recommendations: [
        "low-resource nodes, no security features needed: Flannel (Kube-router also good, but sets no MTU itself)",
        "encrypted network: WeaveNet",
        "other common uses: Calico",
        "keep an eye on Cilium",
    ],
} as const;
