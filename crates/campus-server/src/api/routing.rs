//! Route sets: each handler is written once, with its `#[utoipa::path]`, and gives both the
//! router the server runs and its part of the OpenAPI document.
//!
//! [`routes!`] takes the same handler lists as `utoipa_axum::routes!` but builds only what
//! serving needs — each handler's path and methods — when the server starts. The operations
//! and schemas (every DTO's schema tree) are built by [`RouteSet::document`], only when the
//! document is (its first request, `campus openapi`): at start-up that work was most of the
//! memory the process allocated and freed before its first request, and a few MiB of code
//! paged in for nothing (docs/PERFORMANCE.md, "fourth pass").

use axum::Router;
use axum::routing::MethodRouter;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

use crate::state::AppState;

/// One path's handlers.
#[derive(Clone)]
pub(crate) struct RouteSet {
    /// The paths the handlers' operations name (one in practice).
    paths: Vec<String>,
    handlers: MethodRouter<AppState>,
    /// Builds the handlers' operations and schemas, as `utoipa_axum::routes!` does.
    document: fn() -> UtoipaMethodRouter<AppState>,
}

impl RouteSet {
    #[doc(hidden)]
    pub(crate) fn new(
        paths: Vec<String>,
        handlers: MethodRouter<AppState>,
        document: fn() -> UtoipaMethodRouter<AppState>,
    ) -> Self {
        RouteSet {
            paths,
            handlers,
            document,
        }
    }

    /// The same set with its method router changed by `change` (a fallback added, say); the
    /// document is unchanged.
    pub(crate) fn map_handlers(
        self,
        change: impl FnOnce(MethodRouter<AppState>) -> MethodRouter<AppState>,
    ) -> Self {
        RouteSet {
            handlers: change(self.handlers),
            ..self
        }
    }

    /// The handlers' OpenAPI operations and the schemas they use.
    pub(crate) fn document(&self) -> UtoipaMethodRouter<AppState> {
        (self.document)()
    }
}

/// Wraps one path's handlers in `layer` (a per-route body limit, say); the document is
/// unchanged.
pub(crate) fn with_layer<L>(set: RouteSet, layer: L) -> RouteSet
where
    L: tower::Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
    L::Service: tower::Service<axum::extract::Request> + Clone + Send + Sync + 'static,
    <L::Service as tower::Service<axum::extract::Request>>::Response: axum::response::IntoResponse + 'static,
    <L::Service as tower::Service<axum::extract::Request>>::Error: Into<std::convert::Infallible> + 'static,
    <L::Service as tower::Service<axum::extract::Request>>::Future: Send + 'static,
{
    set.map_handlers(|handlers| handlers.layer(layer))
}

/// The sets as one router, each set's handlers at each of its paths (as
/// `utoipa_axum::router::OpenApiRouter::routes` routes them).
pub(crate) fn router(sets: Vec<RouteSet>) -> Router<AppState> {
    sets.into_iter().fold(Router::new(), |router, set| {
        set.paths.iter().fold(router, |router, path| {
            let path = if path.is_empty() { "/" } else { path };
            router.route(path, set.handlers.clone())
        })
    })
}

/// The sets' OpenAPI document: their paths and the schemas they use.
pub(crate) fn document(sets: &[RouteSet]) -> utoipa::openapi::OpenApi {
    sets.iter()
        .fold(OpenApiRouter::<AppState>::new(), |router, set| {
            router.routes(set.document())
        })
        .into_openapi()
}

/// A [`RouteSet`] of handlers that share a path, each with its `#[utoipa::path]`:
/// `routes!(read, write, remove)`. Takes what `utoipa_axum::routes!` takes, and uses its
/// path resolution (the `@path` rule, which names a handler's `__path_` type).
macro_rules! routes {
    ( $( $first:ident $( :: $rest:ident )* ),+ $(,)? ) => {{
        #[allow(unused_imports)]
        use utoipa_axum::PathItemExt as _;
        let mut paths: Vec<String> = Vec::new();
        let mut handlers = axum::routing::MethodRouter::<$crate::state::AppState>::new();
        $(
            let path: String = utoipa_axum::routes!( @path [path()] of $first $( :: $rest )* );
            for method in utoipa_axum::routes!( @path [methods()] of $first $( :: $rest )* ) {
                handlers = handlers.on(method.to_method_filter(), $first $( :: $rest )*);
            }
            if !paths.contains(&path) {
                paths.push(path);
            }
        )+
        $crate::api::routing::RouteSet::new(paths, handlers, || utoipa_axum::routes!( $( $first $( :: $rest )* ),+ ))
    }};
}
pub(crate) use routes;

#[cfg(test)]
mod tests {
    /// The router is built from each handler's path alone and the document from its whole
    /// operation: both must name the same paths, set by set.
    #[test]
    fn every_set_is_served_at_the_paths_its_document_names() {
        let sets = crate::openapi::documented_routes();
        assert!(sets.len() > 100, "{} route sets", sets.len());
        for set in &sets {
            let (_, documented, _) = set.document();
            let documented: Vec<&String> = documented.paths.keys().collect();
            let mut served: Vec<&String> = set.paths.iter().collect();
            served.sort();
            assert_eq!(served, documented);
            assert!(!set.paths.is_empty());
        }
    }
}
