// core/ compiles with no DOM and no Node types (core/tsconfig.json), so that `document`, `process` or
// `Buffer` here are compile errors. These two web-platform globals do no I/O and exist in every
// runtime core/ runs in (Node ≥ 20, Chromium, Electron): declared here, just as core/ uses them.
declare function structuredClone<T>(value: T): T;
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
