//! Hash routes: `#/functions`, `#/autoscale`, `#/showback`.

/// One page of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Route {
    #[default]
    Functions,
    Autoscale,
    Showback,
}

impl Route {
    /// In navigation order.
    pub const ALL: [Route; 3] = [Route::Functions, Route::Autoscale, Route::Showback];

    /// The route of a location hash; anything unknown, empty or malformed opens Functions.
    pub fn from_hash(hash: &str) -> Self {
        let path = hash.trim_start_matches('#').trim_start_matches('/');
        let first = path.split(['/', '?', '&']).next().unwrap_or_default();
        match first {
            "autoscale" => Route::Autoscale,
            "showback" => Route::Showback,
            _ => Route::Functions,
        }
    }

    /// The `href` of a link to this page.
    pub fn href(self) -> &'static str {
        match self {
            Route::Functions => "#/functions",
            Route::Autoscale => "#/autoscale",
            Route::Showback => "#/showback",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Route::Functions => "Functions",
            Route::Autoscale => "Autoscale",
            Route::Showback => "Showback",
        }
    }

    /// The element id of this page's navigation link.
    pub fn nav_id(self) -> &'static str {
        match self {
            Route::Functions => "nav-functions",
            Route::Autoscale => "nav-autoscale",
            Route::Showback => "nav-showback",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_hashes_open_their_page() {
        assert_eq!(Route::from_hash("#/functions"), Route::Functions);
        assert_eq!(Route::from_hash("#/autoscale"), Route::Autoscale);
        assert_eq!(Route::from_hash("#/showback"), Route::Showback);
        assert_eq!(Route::from_hash("#/showback/"), Route::Showback);
        assert_eq!(Route::from_hash("#/autoscale?rule=1"), Route::Autoscale);
        assert_eq!(Route::from_hash("#showback"), Route::Showback);
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
        for route in Route::ALL {
            assert_eq!(Route::from_hash(route.href()), route);
        }
    }
}
