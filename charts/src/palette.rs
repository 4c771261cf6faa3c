//! Colours from the Clarity palette the vCD portal uses.

use plotters::style::RGBColor;

/// Series colours, in order: Clarity blue, aqua, green, orange, violet, lavender, red, grey.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xa3),
    RGBColor(0x00, 0xa7, 0xb8),
    RGBColor(0x3c, 0x85, 0x00),
    RGBColor(0xe5, 0x7c, 0x00),
    RGBColor(0x6b, 0x4e, 0xa6),
    RGBColor(0x9b, 0x9b, 0xd8),
    RGBColor(0xc2, 0x1d, 0x00),
    RGBColor(0x56, 0x56, 0x56),
];

/// Text and axis colour.
pub const INK: RGBColor = RGBColor(0x31, 0x31, 0x31);

/// Font family stack shared with the portal's stylesheet.
pub const FONT: &str = "Metropolis, Avenir Next, Helvetica Neue, Arial, sans-serif";
