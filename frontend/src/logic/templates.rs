//! Starter code for a new function, one per handler shape the runtime understands.

/// A handler shape with its starter code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    OpenFaas,
    Lambda,
    Workers,
}

const OPENFAAS: &str = r#"// OpenFaaS style: `event` holds method, path, query, headers and the parsed body.
// Return a value (objects are sent as JSON), or use context.status(…).headers(…).
module.exports = async (event, context) => {
  const name = event.query.name || "world";
  console.log(`greeting ${name}`);
  return { message: `Hello, ${name}!`, method: event.method, path: event.path };
};
"#;

const LAMBDA: &str = r#"// AWS Lambda style: an API Gateway (payload 2.0) event in, a proxy response out.
exports.handler = async (event, context) => {
  const name = event.queryStringParameters?.name ?? "world";
  console.log(`request ${context.awsRequestId} for ${event.rawPath}`);
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message: `Hello, ${name}!` }),
  };
};
"#;

const WORKERS: &str = r#"// Cloudflare Workers style: a fetch handler that takes a Request and returns a Response.
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const name = url.searchParams.get("name") ?? "world";
    console.log(`${request.method} ${url.pathname}`);
    return new Response(JSON.stringify({ message: `Hello, ${name}!` }), {
      headers: { "content-type": "application/json" },
    });
  },
};
"#;

impl Template {
    pub const ALL: [Template; 3] = [Template::OpenFaas, Template::Lambda, Template::Workers];

    /// The name a person picks it by.
    pub fn label(self) -> &'static str {
        match self {
            Template::OpenFaas => "OpenFaaS",
            Template::Lambda => "AWS Lambda",
            Template::Workers => "Workers",
        }
    }

    /// The signature it starts from, shown beside the label.
    pub fn signature(self) -> &'static str {
        match self {
            Template::OpenFaas => "module.exports = async (event, context) => …",
            Template::Lambda => "exports.handler = async (event, context) => ({ statusCode, headers, body })",
            Template::Workers => "export default { async fetch(request, env, ctx) { … } }",
        }
    }

    /// Stable id for the element that picks it.
    pub fn id(self) -> &'static str {
        match self {
            Template::OpenFaas => "template-openfaas",
            Template::Lambda => "template-lambda",
            Template::Workers => "template-workers",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Template::OpenFaas => OPENFAAS,
            Template::Lambda => LAMBDA,
            Template::Workers => WORKERS,
        }
    }

    /// The template whose code `code` still is, unchanged.
    pub fn of_code(code: &str) -> Option<Template> {
        Template::ALL.into_iter().find(|t| t.code() == code)
    }
}

/// Whether picking a template would throw away work: the code is neither empty nor an
/// untouched template.
pub fn replacing_loses_work(code: &str) -> bool {
    !code.trim().is_empty() && Template::of_code(code).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::js_syntax::{TokenKind, tokenize};

    #[test]
    fn each_template_has_its_shapes_entry_point() {
        assert!(Template::OpenFaas.code().contains("module.exports = async (event, context) =>"));
        assert!(Template::Lambda.code().contains("exports.handler = async (event, context) =>"));
        assert!(Template::Lambda.code().contains("statusCode"));
        assert!(Template::Workers.code().contains("export default {"));
        assert!(Template::Workers.code().contains("async fetch(request, env, ctx)"));
        assert!(Template::Workers.code().contains("new Response("));
    }

    #[test]
    fn templates_are_recognised_and_edits_are_work() {
        for t in Template::ALL {
            assert_eq!(Template::of_code(t.code()), Some(t));
            assert!(!replacing_loses_work(t.code()));
        }
        assert!(!replacing_loses_work("  \n"));
        assert!(replacing_loses_work("module.exports = () => 1"));
    }

    #[test]
    fn templates_tokenize_without_stray_template_text() {
        // Every template literal in the starters closes on its own line.
        for t in Template::ALL {
            let code = t.code();
            for token in tokenize(code).into_iter().filter(|t| t.kind == TokenKind::Template) {
                assert!(
                    !code[token.start..token.end].contains('\n'),
                    "{}: {:?}",
                    t.label(),
                    &code[token.start..token.end]
                );
            }
        }
    }
}
