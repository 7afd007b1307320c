//! The wasm boundary: linear-memory allocation ([`memory`]), the one status enum ([`status`]),
//! checked decoding of config buffers and the limits ([`decode`]), every `wf_*` export
//! ([`exports`], all `#[wasm_bindgen]`), and the buffer layouts and codes both sides share
//! ([`layout`], generated from schema/layout.json). Nothing outside this module is exported.
pub mod decode;
pub mod exports;
pub mod layout;
pub mod memory;
pub mod status;
