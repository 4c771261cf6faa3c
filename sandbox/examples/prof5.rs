use std::collections::BTreeMap;
use sandbox::engine::{self, Instance, Limits};
fn main() {
    let limits = Limits::default();
    let compiled = engine::compile("module.exports = async () => 'x'", &limits).unwrap();
    let t = std::time::Instant::now();
    let n: u32 = std::env::args().nth(1).map_or(2000, |a| a.parse().unwrap()); for _ in 0..n { let i = Instance::new(&compiled, &BTreeMap::new(), &limits).unwrap(); drop(i); }
    eprintln!("avg {:?}", t.elapsed() / n);
}
