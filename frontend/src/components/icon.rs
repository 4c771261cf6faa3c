//! Line icons drawn in the style of Clarity's (16×16 grid, `currentColor`).

use leptos::prelude::*;

/// The icons this app uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IconShape {
    Function,
    Autoscale,
    Showback,
    /// A globe: outbound network access.
    Network,
    /// A box: content packages.
    Package,
    Error,
    Info,
    Empty,
    Logo,
}

impl IconShape {
    fn path(self) -> &'static str {
        match self {
            IconShape::Function => "M10.5 2.5c-1.6 0-2.3.9-2.6 2.6L6.6 12.4c-.2 1.1-.7 1.6-1.6 1.6M5 6.5h5.5",
            IconShape::Autoscale => {
                "M2 3h5v5H2zM9.5 8.5H14v5H9.5zM7 12.5H4.5V10M9 3.5h2.5V6M3.5 11.5l1-1.5 1 1.5M10.5 5l1 1.5 1-1.5"
            }
            IconShape::Showback => "M2 14h12M3.5 13V9h2v4M7 13V4h2v9M10.5 13V7h2v6",
            IconShape::Network => {
                "M8 1.5a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13zM1.5 8h13M8 1.5c-2.2 2.5-2.2 10.5 0 13M8 1.5c2.2 2.5 2.2 10.5 0 13"
            }
            IconShape::Package => "M2 4.5L8 2l6 2.5v7L8 14l-6-2.5zM2 4.5L8 7l6-2.5M8 7v7M5 3.3l6 2.5",
            IconShape::Error => "M8 1.5l6.5 12h-13zM8 6v4M8 11.5v.5",
            IconShape::Info => "M8 1.5a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13zM8 7v4.5M8 4.5v.5",
            IconShape::Empty => "M2 5.5L4 2h8l2 3.5v8H2zM2 5.5h4l.5 2h3l.5-2h4",
            IconShape::Logo => "M4.5 12.5a3 3 0 0 1-.3-6 4 4 0 0 1 7.6-1 3.5 3.5 0 0 1 .2 7z",
        }
    }
}

/// An inline SVG icon, `size` pixels square.
#[component]
pub fn Icon(shape: IconShape, #[prop(default = 16)] size: u32) -> impl IntoView {
    view! {
        <svg
            class="icon"
            width=size
            height=size
            viewBox="0 0 16 16"
            fill="none"
            stroke="currentColor"
            stroke-width="1.3"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
        >
            <path d=shape.path() />
        </svg>
    }
}
