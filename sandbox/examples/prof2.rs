use std::collections::BTreeMap;
use sandbox::engine::{self, HttpRequest, Instance, Limits};
fn main() {
    let src = r#"
    export default { async fetch(request) {
        const t = [];
        let t0 = performance.now();
        for (let i = 0; i < 10000; i++) { const o = { a: 1, b: 2, c: () => i, d: () => i }; }
        t.push(['obj+2closures', (performance.now() - t0) / 10]);
        t0 = performance.now();
        for (let i = 0; i < 10000; i++) { new Promise((r) => r(1)).then((x) => x); }
        t.push(['promise+then', (performance.now() - t0) / 10]);
        t0 = performance.now();
        for (let i = 0; i < 10000; i++) { parseInt('12'); }
        t.push(['parseInt', (performance.now() - t0) / 10]);
        t0 = performance.now();
        for (let i = 0; i < 1000; i++) { new URL('https://example.com/a?b=c'); }
        t.push(['URL', (performance.now() - t0)]);
        t0 = performance.now();
        for (let i = 0; i < 1000; i++) { new Headers([['a','b'],['host','x']]); }
        t.push(['Headers', (performance.now() - t0)]);
        t0 = performance.now();
        for (let i = 0; i < 1000; i++) { new Response('hello'); }
        t.push(['Response', (performance.now() - t0)]);
        t0 = performance.now();
        for (let i = 0; i < 1000; i++) { 'hello'.isWellFormed(); }
        t.push(['isWellFormed', (performance.now() - t0)]);
        return Response.json(t.map(([k, v]) => `${k}: ${(v).toFixed(3)} us`));
    } }"#;
    let limits = Limits::default();
    let compiled = engine::compile(src, &limits).unwrap();
    let mut instance = Instance::new(&compiled, &BTreeMap::new(), &limits).unwrap();
    let request = HttpRequest { method: "GET".into(), path: "/".into(), headers: vec![("host".into(), "x".into())], ..HttpRequest::default() };
    let r = instance.invoke(&request, &limits).unwrap();
    println!("{}", String::from_utf8_lossy(&r.response.body));
}
