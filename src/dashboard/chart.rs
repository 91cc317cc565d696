//! The overview's chart: successful payments per day as bars, an SVG drawn
//! by the server (no script, no library), labelled in the page's language.

use maud::{Markup, html};

/// One bar: its label (a date) and value (minor units), with the text a
/// reader sees on hovering it.
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub tip: String,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 8.0;
const BOTTOM: f64 = 24.0;
const TOP: f64 = 18.0;

/// Bars left to right, the tallest reaching the top; `max_label` is the
/// tallest bar's value as people read it.
pub fn bars(title: &str, bars: &[Bar], max_label: &str) -> Markup {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
    let slot = (WIDTH - LEFT * 2.0) / bars.len().max(1) as f64;
    let plot = HEIGHT - BOTTOM - TOP;
    let labelled = |i: usize| i == 0 || i + 1 == bars.len() || i == bars.len() / 2;
    html! {
        svg.chart viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-label=(title)
            preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            line.axis x1=(LEFT) y1=(HEIGHT - BOTTOM) x2=(WIDTH - LEFT) y2=(HEIGHT - BOTTOM) {}
            line.grid x1=(LEFT) y1=(TOP) x2=(WIDTH - LEFT) y2=(TOP) {}
            text.max x=(LEFT) y=(TOP - 5.0) { (max_label) }
            @for (i, bar) in bars.iter().enumerate() {
                @let h = if bar.value > 0 { (bar.value as f64 / max * plot).max(2.0) } else { 0.0 };
                @let x = LEFT + slot * i as f64 + slot * 0.15;
                rect.bar x=(format!("{x:.1}")) y=(format!("{:.1}", HEIGHT - BOTTOM - h))
                    width=(format!("{:.1}", slot * 0.7)) height=(format!("{h:.1}")) {
                    title { (bar.tip) }
                }
                @if labelled(i) {
                    text.day x=(format!("{:.1}", x + slot * 0.35)) y=(HEIGHT - 6.0)
                        text-anchor=(if i == 0 { "start" } else if i + 1 == bars.len() { "end" } else { "middle" }) {
                        (bar.label)
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tallest_bar_reaches_the_top_and_text_is_escaped() {
        let svg = bars(
            "<chart>",
            &[
                Bar {
                    label: "1".into(),
                    value: 0,
                    tip: "none".into(),
                },
                Bar {
                    label: "2".into(),
                    value: 50,
                    tip: "half".into(),
                },
                Bar {
                    label: "3".into(),
                    value: 100,
                    tip: "<all>".into(),
                },
            ],
            "฿1.00",
        )
        .into_string();
        assert!(svg.contains("&lt;chart&gt;") && svg.contains("&lt;all&gt;"));
        assert!(!svg.contains("<all>"));
        // The plot is 158 high: the tallest bar is all of it, half is half.
        assert!(svg.contains(r#"height="158.0""#), "{svg}");
        assert!(svg.contains(r#"height="79.0""#), "{svg}");
        assert!(svg.contains(r#"height="0.0""#), "{svg}");
    }
}
