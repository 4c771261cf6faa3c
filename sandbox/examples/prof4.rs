use std::time::Instant;
use rquickjs::{Context, Runtime};
fn main() {
    let n = 200;
    let t = Instant::now();
    for _ in 0..n { let rt = Runtime::new().unwrap(); let _c = Context::full(&rt).unwrap(); }
    println!("runtime+full ctx+drop: {:?}", t.elapsed() / n);
    let t = Instant::now();
    let mut keep = Vec::new();
    for _ in 0..n { let rt = Runtime::new().unwrap(); let c = Context::full(&rt).unwrap(); keep.push((c, rt)); }
    println!("runtime+full ctx: {:?}", t.elapsed() / n);
    let t = Instant::now();
    drop(keep);
    println!("drop: {:?}", t.elapsed() / n);
}
