//! Integration tests: the engine in-process, and the pool with real worker processes.

mod engine;
mod fetch;
mod modules;
mod node;
mod pool;
