//! Hash routes: `#/functions`, `#/new-function`, `#/functions/{name}[/{tab}]`, `#/autoscale`,
//! `#/autoscale/new`, `#/autoscale/{id}[/edit]`, `#/showback`, `#/packages`,
//! `#/provider/showback`, `#/provider/egress`.

use crate::logic::fragment::percent_decode;
use crate::logic::urls::encode_segment;

/// One view of the app.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Route {
    #[default]
    Functions,
    /// The create form. Not under `#/functions/…`, where any name may be a function's.
    NewFunction,
    /// One function, on one of its tabs.
    Function {
        name: String,
        tab: FunctionTab,
    },
    Autoscale,
    /// The form that creates an autoscale rule.
    NewRule,
    /// One autoscale rule.
    Rule {
        id: String,
    },
    /// The form that changes an autoscale rule.
    EditRule {
        id: String,
    },
    Showback,
    /// Import and export packages; the org's releases.
    Packages,
    /// Every tenant's costs (providers only).
    ProviderShowback,
    /// Where the current org's functions may send requests (providers only).
    ProviderEgress,
    /// The provider's own content as packages, and its releases (providers only).
    ProviderPackages,
}

/// The tabs of a function's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FunctionTab {
    #[default]
    Overview,
    Code,
    Test,
    Versions,
    Invocations,
    /// vCD events delivered to an event-triggered function (shown only for those).
    Events,
}

impl FunctionTab {
    pub const ALL: [FunctionTab; 6] = [
        FunctionTab::Overview,
        FunctionTab::Code,
        FunctionTab::Test,
        FunctionTab::Versions,
        FunctionTab::Invocations,
        FunctionTab::Events,
    ];

    /// The last part of the hash, e.g. `#/functions/hello/test`.
    pub fn slug(self) -> &'static str {
        match self {
            FunctionTab::Overview => "overview",
            FunctionTab::Code => "code",
            FunctionTab::Test => "test",
            FunctionTab::Versions => "versions",
            FunctionTab::Invocations => "invocations",
            FunctionTab::Events => "events",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FunctionTab::Overview => "Overview",
            FunctionTab::Code => "Code",
            FunctionTab::Test => "Test",
            FunctionTab::Versions => "Versions",
            FunctionTab::Invocations => "Invocations",
            FunctionTab::Events => "Events",
        }
    }

    /// The element id of this tab's link.
    pub fn id(self) -> &'static str {
        match self {
            FunctionTab::Overview => "tab-overview",
            FunctionTab::Code => "tab-code",
            FunctionTab::Test => "tab-test",
            FunctionTab::Versions => "tab-versions",
            FunctionTab::Invocations => "tab-invocations",
            FunctionTab::Events => "tab-events",
        }
    }

    fn from_slug(slug: &str) -> Self {
        FunctionTab::ALL.into_iter().find(|t| t.slug() == slug).unwrap_or_default()
    }
}

/// The UI's areas. The functions list (the page Stratus opens on) is in the shell; each other
/// area is built into its own wasm module, loaded the first time one of its pages opens (see
/// `crate::areas`). Fewer areas mean fewer files: the build adds a chunk for each set of areas
/// that share code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Area {
    /// The functions list, in the shell.
    Functions,
    /// A function's pages and the create form (the editor, the test console, versions…).
    Function,
    Autoscale,
    /// The tenant's dashboard and the provider's view of every tenant's costs.
    Showback,
    /// Packages and releases, the org's and the provider's, and the provider's outbound access.
    Packages,
}

impl Area {
    pub const ALL: [Area; 5] = [Area::Functions, Area::Function, Area::Autoscale, Area::Showback, Area::Packages];

    /// The name of the area's split module (the `#[wasm_split]` name in `crate::areas`); `None`
    /// for the shell's own.
    pub fn module(self) -> Option<&'static str> {
        match self {
            Area::Functions => None,
            Area::Function => Some("function_area"),
            Area::Autoscale => Some("autoscale_area"),
            Area::Showback => Some("showback_area"),
            Area::Packages => Some("packages_area"),
        }
    }
}

impl Route {
    /// The pages of the navigation, in order.
    pub const ALL: [Route; 4] = [Route::Functions, Route::Autoscale, Route::Showback, Route::Packages];

    /// The pages only a provider's navigation lists.
    pub const PROVIDER: [Route; 3] = [Route::ProviderShowback, Route::ProviderEgress, Route::ProviderPackages];

    /// The route of a location hash; anything unknown, empty or malformed opens Functions.
    pub fn from_hash(hash: &str) -> Self {
        let path = hash.trim_start_matches('#').trim_start_matches('/');
        let path = path.split(['?', '&']).next().unwrap_or_default();
        let mut parts = path.split('/');
        match (parts.next().unwrap_or_default(), parts.next(), parts.next()) {
            ("autoscale", Some("new"), _) => Route::NewRule,
            ("autoscale", Some(id), Some("edit")) if !id.is_empty() => Route::EditRule { id: percent_decode(id) },
            ("autoscale", Some(id), _) if !id.is_empty() => Route::Rule { id: percent_decode(id) },
            ("autoscale", ..) => Route::Autoscale,
            ("showback", ..) => Route::Showback,
            ("packages", ..) => Route::Packages,
            ("provider", Some("showback"), _) => Route::ProviderShowback,
            ("provider", Some("egress"), _) => Route::ProviderEgress,
            ("provider", Some("packages"), _) => Route::ProviderPackages,
            ("new-function", ..) => Route::NewFunction,
            ("functions", Some(name), tab) if !name.is_empty() => {
                Route::Function { name: percent_decode(name), tab: FunctionTab::from_slug(tab.unwrap_or_default()) }
            }
            _ => Route::Functions,
        }
    }

    /// Where the app opens inside the vCD provider portal when the address names no view: the
    /// provider views, which lead its navigation there. `None`: follow the address.
    pub fn provider_portal_landing(hash: &str, provider: bool) -> Option<Route> {
        let named = !hash.trim_start_matches('#').trim_matches('/').is_empty();
        (provider && !named).then_some(Route::ProviderShowback)
    }

    /// The `href` of a link to this view.
    pub fn href(&self) -> String {
        match self {
            Route::Functions => "#/functions".to_owned(),
            Route::NewFunction => "#/new-function".to_owned(),
            Route::Function { name, tab: FunctionTab::Overview } => format!("#/functions/{}", encode_segment(name)),
            Route::Function { name, tab } => format!("#/functions/{}/{}", encode_segment(name), tab.slug()),
            Route::Autoscale => "#/autoscale".to_owned(),
            Route::NewRule => "#/autoscale/new".to_owned(),
            Route::Rule { id } => format!("#/autoscale/{}", encode_segment(id)),
            Route::EditRule { id } => format!("#/autoscale/{}/edit", encode_segment(id)),
            Route::Showback => "#/showback".to_owned(),
            Route::Packages => "#/packages".to_owned(),
            Route::ProviderShowback => "#/provider/showback".to_owned(),
            Route::ProviderEgress => "#/provider/egress".to_owned(),
            Route::ProviderPackages => "#/provider/packages".to_owned(),
        }
    }

    /// A link to one tab of a function.
    pub fn function_href(name: &str, tab: FunctionTab) -> String {
        Route::Function { name: name.to_owned(), tab }.href()
    }

    /// A link to one autoscale rule.
    pub fn rule_href(id: &str) -> String {
        Route::Rule { id: id.to_owned() }.href()
    }

    /// The navigation entry this view belongs to.
    pub fn section(&self) -> Route {
        match self {
            Route::Functions | Route::NewFunction | Route::Function { .. } => Route::Functions,
            Route::Autoscale | Route::NewRule | Route::Rule { .. } | Route::EditRule { .. } => Route::Autoscale,
            Route::Showback => Route::Showback,
            Route::Packages => Route::Packages,
            Route::ProviderShowback => Route::ProviderShowback,
            Route::ProviderEgress => Route::ProviderEgress,
            Route::ProviderPackages => Route::ProviderPackages,
        }
    }

    /// Whether the view is about one org (the provider picks it); the provider's all-tenant
    /// costs and its own packages are not.
    pub fn about_an_org(&self) -> bool {
        !matches!(self, Route::ProviderShowback | Route::ProviderPackages)
    }

    /// The view without its tab: switching tabs keeps the same page (and what was typed in it).
    pub fn page(&self) -> Route {
        match self {
            Route::Function { name, .. } => Route::Function { name: name.clone(), tab: FunctionTab::Overview },
            other => other.clone(),
        }
    }

    /// The tab of a function view, else the first.
    pub fn tab(&self) -> FunctionTab {
        match self {
            Route::Function { tab, .. } => *tab,
            _ => FunctionTab::Overview,
        }
    }

    pub fn title(&self) -> &'static str {
        match self.section() {
            Route::Autoscale => "Autoscale",
            Route::Showback => "Showback",
            Route::Packages => "Packages",
            Route::ProviderShowback => "Tenant costs",
            Route::ProviderEgress => "Outbound access",
            Route::ProviderPackages => "Provider packages",
            _ => "Functions",
        }
    }

    /// The area whose module draws this page.
    pub fn area(&self) -> Area {
        match self {
            Route::Functions => Area::Functions,
            Route::NewFunction | Route::Function { .. } => Area::Function,
            Route::Autoscale | Route::NewRule | Route::Rule { .. } | Route::EditRule { .. } => Area::Autoscale,
            Route::Showback | Route::ProviderShowback => Area::Showback,
            Route::Packages | Route::ProviderPackages | Route::ProviderEgress => Area::Packages,
        }
    }

    /// The element id of this section's navigation link.
    pub fn nav_id(&self) -> &'static str {
        match self.section() {
            Route::Autoscale => "nav-autoscale",
            Route::Showback => "nav-showback",
            Route::Packages => "nav-packages",
            Route::ProviderShowback => "nav-provider-showback",
            Route::ProviderEgress => "nav-provider-egress",
            Route::ProviderPackages => "nav-provider-packages",
            _ => "nav-functions",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_provider_portal_opens_on_the_provider_views_unless_the_address_says_otherwise() {
        for hash in ["", "#", "#/"] {
            assert_eq!(Route::provider_portal_landing(hash, true), Some(Route::ProviderShowback), "{hash:?}");
            assert_eq!(Route::provider_portal_landing(hash, false), None, "{hash:?}: not a provider");
        }
        assert_eq!(Route::provider_portal_landing("#/functions", true), None);
    }

    fn function(name: &str, tab: FunctionTab) -> Route {
        Route::Function { name: name.to_owned(), tab }
    }

    /// One route of each kind, a function on each tab and names that need encoding.
    fn every_route() -> Vec<Route> {
        let mut routes = Route::ALL.to_vec();
        routes.extend(Route::PROVIDER);
        routes.extend([Route::NewFunction, Route::NewRule]);
        routes.extend([Route::Rule { id: "r 1".into() }, Route::EditRule { id: "r 1".into() }]);
        routes.extend(FunctionTab::ALL.map(|tab| function("hello-1", tab)));
        routes.push(function("odd name", FunctionTab::Versions));
        routes
    }

    #[test]
    fn every_page_belongs_to_one_area_and_every_area_has_a_page() {
        let routes = every_route();
        for area in Area::ALL {
            assert!(routes.iter().any(|r| r.area() == area), "{area:?} has no page");
        }
        assert_eq!(Route::ProviderShowback.area(), Area::Showback);
        assert_eq!(Route::EditRule { id: "r".into() }.area(), Area::Autoscale);
        let modules: std::collections::HashSet<_> = Area::ALL.map(Area::module).into();
        assert_eq!(modules.len(), Area::ALL.len(), "one module per area");
        assert_eq!(Route::Functions.area().module(), None, "the list is in the shell");
    }

    /// frontend/areas.json tells boot.js which area's module an address needs before the app
    /// runs; it must say what `Route::area` says.
    #[test]
    fn the_boot_table_of_areas_agrees_with_the_routes() {
        #[derive(serde::Deserialize)]
        struct Table {
            default: Option<String>,
            prefixes: Vec<(String, String)>,
        }
        let table: Table = serde_json::from_str(include_str!("../../areas.json")).expect("areas.json");
        for route in every_route() {
            let href = route.href();
            let path = href.trim_start_matches('#').trim_start_matches('/');
            let by_table = table.prefixes.iter().find(|(prefix, _)| path.starts_with(prefix.as_str()));
            let module = by_table.map_or(table.default.as_deref(), |(_, module)| Some(module.as_str()));
            assert_eq!(module, route.area().module(), "{href}");
        }
        for (_, module) in &table.prefixes {
            assert!(Area::ALL.iter().any(|a| a.module() == Some(module.as_str())), "{module} is no area's module");
        }
    }

    #[test]
    fn known_hashes_open_their_page() {
        assert_eq!(Route::from_hash("#/functions"), Route::Functions);
        assert_eq!(Route::from_hash("#/autoscale"), Route::Autoscale);
        assert_eq!(Route::from_hash("#/showback"), Route::Showback);
        assert_eq!(Route::from_hash("#/packages"), Route::Packages);
        assert_eq!(Route::Packages.href(), "#/packages");
        assert_eq!(Route::from_hash("#/showback/"), Route::Showback);
        assert_eq!(Route::from_hash("#/autoscale?rule=1"), Route::Autoscale);
        assert_eq!(Route::from_hash("#showback"), Route::Showback);
        assert_eq!(Route::from_hash("#/new-function"), Route::NewFunction);
        assert_eq!(Route::from_hash("#/provider/showback"), Route::ProviderShowback);
        assert_eq!(Route::from_hash("#/provider/egress"), Route::ProviderEgress);
        assert_eq!(Route::ProviderEgress.href(), "#/provider/egress");
        assert_eq!(Route::from_hash("#/provider/packages"), Route::ProviderPackages);
        assert_eq!(Route::ProviderPackages.href(), "#/provider/packages");
        assert!(!Route::ProviderPackages.about_an_org());
        assert!(Route::ProviderEgress.about_an_org() && !Route::ProviderShowback.about_an_org());
        assert_eq!(Route::from_hash("#/provider"), Route::Functions);
    }

    #[test]
    fn function_hashes_name_the_function_and_tab() {
        assert_eq!(Route::from_hash("#/functions/hello"), function("hello", FunctionTab::Overview));
        assert_eq!(Route::from_hash("#/functions/hello/"), function("hello", FunctionTab::Overview));
        assert_eq!(Route::from_hash("#/functions/hello/test"), function("hello", FunctionTab::Test));
        assert_eq!(Route::from_hash("#/functions/hello/nope"), function("hello", FunctionTab::Overview));
        assert_eq!(Route::from_hash("#/functions/new"), function("new", FunctionTab::Overview));
        assert_eq!(Route::from_hash("#/functions/a%20b/code"), function("a b", FunctionTab::Code));
        assert_eq!(Route::from_hash("#/functions/"), Route::Functions);
    }

    #[test]
    fn everything_else_opens_functions() {
        assert_eq!(Route::from_hash(""), Route::Functions);
        assert_eq!(Route::from_hash("#"), Route::Functions);
        assert_eq!(Route::from_hash("#/"), Route::Functions);
        assert_eq!(Route::from_hash("#/nope"), Route::Functions);
        assert_eq!(Route::from_hash("#/Showback"), Route::Functions);
    }

    #[test]
    fn every_route_round_trips_through_its_href() {
        for route in every_route() {
            assert_eq!(Route::from_hash(&route.href()), route);
        }
        assert_eq!(Route::function_href("hello", FunctionTab::Overview), "#/functions/hello");
        assert_eq!(Route::function_href("hello", FunctionTab::Invocations), "#/functions/hello/invocations");
        assert_eq!(Route::function_href("hello", FunctionTab::Events), "#/functions/hello/events");
    }

    #[test]
    fn function_views_belong_to_the_functions_section() {
        assert_eq!(Route::NewFunction.section(), Route::Functions);
        assert_eq!(function("x", FunctionTab::Test).section(), Route::Functions);
        assert_eq!(function("x", FunctionTab::Test).nav_id(), "nav-functions");
        assert_eq!(Route::Showback.section(), Route::Showback);
    }

    #[test]
    fn autoscale_hashes_name_the_rule() {
        let rule = |id: &str| Route::Rule { id: id.to_owned() };
        assert_eq!(Route::from_hash("#/autoscale/new"), Route::NewRule);
        assert_eq!(Route::from_hash("#/autoscale/rule_1"), rule("rule_1"));
        assert_eq!(Route::from_hash("#/autoscale/rule_1/"), rule("rule_1"));
        assert_eq!(Route::from_hash("#/autoscale/rule_1/edit"), Route::EditRule { id: "rule_1".into() });
        assert_eq!(Route::from_hash("#/autoscale/a%3Ab"), rule("a:b"));
        assert_eq!(Route::from_hash("#/autoscale/"), Route::Autoscale);
        for route in [Route::NewRule, rule("r 1"), Route::EditRule { id: "r/2".into() }] {
            assert_eq!(Route::from_hash(&route.href()), route);
            assert_eq!(route.section(), Route::Autoscale);
            assert_eq!(route.nav_id(), "nav-autoscale");
        }
        assert_eq!(Route::rule_href("rule_1"), "#/autoscale/rule_1");
    }

    #[test]
    fn tabs_of_one_function_are_one_page() {
        assert_eq!(function("x", FunctionTab::Test).page(), function("x", FunctionTab::Code).page());
        assert_ne!(function("x", FunctionTab::Test).page(), function("y", FunctionTab::Test).page());
        assert_eq!(function("x", FunctionTab::Versions).tab(), FunctionTab::Versions);
        assert_eq!(Route::Showback.tab(), FunctionTab::Overview);
    }
}
