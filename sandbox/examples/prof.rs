use std::collections::BTreeMap;
use sandbox::engine::{self, HttpRequest, Instance, Limits};
fn main() {
    let which: usize = std::env::args().nth(1).unwrap_or("0".into()).parse().unwrap();
    let sources = [
        "module.exports = async (event, context) => 'hello'",
        "exports.handler = async (event, context) => ({ statusCode: 200, body: 'hello' })",
        "export default { async fetch(request, env, ctx) { return new Response('hello') } }",
        "module.exports = (event, context) => 'hello'",
    ];
    let limits = Limits::default();
    let compiled = engine::compile(sources[which], &limits).unwrap();
    let mut instance = Instance::new(&compiled, &BTreeMap::new(), &limits).unwrap();
    let request = HttpRequest { method: "GET".into(), path: "/".into(), headers: vec![("host".into(), "x".into())], ..HttpRequest::default() };
    let started = std::time::Instant::now();
    let n: u32 = std::env::args().nth(2).map_or(30000, |a| a.parse().unwrap());
    for _ in 0..n { instance.invoke(&request, &limits).unwrap(); }
    println!("{:?}/call", started.elapsed() / n);
}
