// Types of scripts/gen-layout.mjs for test/layout.test.ts.
export declare const root: string;
export declare const SCHEMA: string;
export declare const OUTPUTS: { rust: string; ts: string };
export declare function generateRust(schema: unknown): string;
export declare function generateTs(schema: unknown): string;
export declare function generate(schema?: unknown): Record<string, string>;
