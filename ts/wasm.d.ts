/**
 * `.wasm` imports as `@rollup/plugin-wasm` (async mode) compiles them for the browser bundle: the
 * default export decodes the inlined base64 bytes and compiles them. Called without imports it
 * resolves to a `WebAssembly.Module` (what ts/browser.ts wants: backend.ts instantiates it); with
 * imports it resolves to the instantiated source.
 */
declare module '*.wasm' {
  function load(): Promise<WebAssembly.Module>;
  function load(imports: WebAssembly.Imports): Promise<WebAssembly.WebAssemblyInstantiatedSource>;
  export default load;
}
