//! The wasm boundary: linear-memory allocation ([`memory`]), the one status enum ([`status`]),
//! checked decoding of config buffers and the limits ([`decode`]), and every `wf_*` export
//! ([`exports`]). Nothing outside this module is `extern "C"`.
pub mod decode;
pub mod exports;
pub mod memory;
pub mod status;
