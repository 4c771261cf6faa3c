use std::collections::BTreeMap;
use sandbox::engine::{self, HttpRequest, Instance, Limits};
fn main() {
    let limits = Limits::default();
    let src = "module.exports = (e) => e.path === '/t' ? globalThis.__T.map(x => (x * 1000 / 10000).toFixed(2)).join(' ') : 'x'";
    let compiled = engine::compile(src, &limits).unwrap();
    let mut instance = Instance::new(&compiled, &BTreeMap::new(), &limits).unwrap();
    let mut request = HttpRequest { method: "GET".into(), path: "/".into(), headers: vec![("host".into(), "x".into())], ..HttpRequest::default() };
    let started = std::time::Instant::now();
    let n = 10000;
    for _ in 0..n { instance.invoke(&request, &limits).unwrap(); }
    println!("{:?}/call", started.elapsed() / n);
    request.path = "/t".into();
    println!("{}", String::from_utf8_lossy(&instance.invoke(&request, &limits).unwrap().response.body));
}
