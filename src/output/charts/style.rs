//! What every chart shares: the font, the colours, axis and label helpers,
//! thinning, and the file formats with the backends that write them.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::combinators::{BindKeyPoints, LogCoord, WithKeyPoints};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ChartError;
use crate::output::FileError;

/// Most points drawn for one series; longer series are thinned.
pub const MAX_POINTS: usize = 1500;
pub const FONT: &str = "sans-serif";

/// Distinct colours for groups and series (Tableau 10).
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// A chart file's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Svg,
    Png,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
        }
    }
}

pub type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

pub fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
        for style in [FontStyle::Normal, FontStyle::Bold] {
            // The bytes are a valid TrueType font, checked by the tests.
            let _ = plotters::style::register_font(FONT, style, bytes);
        }
    });
}

/// Something drawn into one chart file.
pub trait Drawable {
    fn file_stem(&self) -> String;
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

/// `dir/charts`, created if need be.
pub fn charts_dir(dir: &Path) -> Result<PathBuf, ChartError> {
    let out = dir.join("charts");
    fs::create_dir_all(&out).map_err(FileError::at(&out, "create the folder"))?;
    Ok(out)
}

/// Draws `chart` into `out`, written whole (as a partial file, then renamed)
/// or not at all.
pub fn render(chart: &impl Drawable, out: &Path, format: Format) -> Result<PathBuf, ChartError> {
    let stem = chart.file_stem();
    let file = out.join(format!("{stem}.{}", format.extension()));
    let partial = out.join(format!(".{stem}.partial.{}", format.extension()));
    let fail = |message: String| ChartError::Draw {
        chart: file.clone(),
        message,
    };
    match format {
        Format::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, chart.size()).into_drawing_area();
                chart.draw(&root).map_err(|e| fail(e.to_string()))?;
                root.present().map_err(|e| fail(e.to_string()))?;
            }
            fs::write(&partial, svg).map_err(FileError::at(&partial, "write the file"))?;
        }
        Format::Png => {
            let root = BitMapBackend::new(&partial, chart.size()).into_drawing_area();
            chart.draw(&root).map_err(|e| fail(e.to_string()))?;
            root.present().map_err(|e| fail(e.to_string()))?;
        }
    }
    fs::rename(&partial, &file).map_err(FileError::at(&file, "move the new file into place"))?;
    Ok(file)
}

/// Every `k`-th item, the last always kept, so at most about `max` remain.
pub fn thin<T: Clone>(items: &[T], max: usize) -> Vec<T> {
    let k = items.len().div_ceil(max).max(1);
    let mut out: Vec<T> = items.iter().step_by(k).cloned().collect();
    if let Some(last) = items.last() {
        if (items.len() - 1) % k != 0 {
            out.push(last.clone());
        }
    }
    out
}

/// Ticks of a log axis: labelled at 1, 2 and 5 times a power of ten, grid
/// lines at every whole multiple, so labels never crowd.
pub fn log_axis(lo: f64, hi: f64) -> WithKeyPoints<LogCoord<f64>> {
    let decades = (lo.log10().floor() as i32)..=(hi.log10().ceil() as i32);
    let at = |ms: &[f64]| -> Vec<f64> {
        decades
            .clone()
            .flat_map(|d| ms.iter().map(move |m| m * 10f64.powi(d)))
            .filter(|x| (lo..=hi).contains(x))
            .collect()
    };
    let light = at(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    (lo..hi)
        .log_scale()
        .with_key_points(at(&[1.0, 2.0, 5.0]))
        .with_light_points(light)
}

/// Ticks on a log axis read best as plain numbers with few digits.
pub fn ms_label(x: &f64) -> String {
    if *x >= 10.0 {
        format!("{x:.0}")
    } else if *x >= 1.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

pub fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> DrawResult<DB> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font((FONT, 15))
        .draw()
}

/// Tick labels with as many decimals as a span of `span` needs, and no
/// "-0".
pub fn number_labels(span: f64) -> impl Fn(&f64) -> String {
    let decimals = if span >= 20.0 {
        0
    } else if span >= 2.0 {
        1
    } else if span >= 0.2 {
        2
    } else {
        3
    };
    move |y| {
        let text = format!("{y:.decimals$}");
        if text
            .trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            text.trim_start_matches('-').to_string()
        } else {
            text
        }
    }
}

/// Dashed verticals on a time axis (in seconds) where counting starts
/// (after `warmup_s`) and where new frames stop (at `duration_s`; the drain
/// that follows has only stragglers).
pub fn phase_marks<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    (warmup_s, duration_s): (f64, f64),
    top: f64,
    labels: bool,
) -> DrawResult<DB> {
    let grey = BLACK.mix(0.55);
    let marks = [(warmup_s, "warmup ends"), (duration_s, "no new frames")];
    for (t, label) in marks {
        if t <= 0.0 {
            continue;
        }
        chart.draw_series(DashedLineSeries::new(
            [(t, 0.0), (t, top)],
            6,
            4,
            grey.stroke_width(1),
        ))?;
        if labels {
            // Left of the line, unless that would run off the plot.
            let t_end = chart.x_range().end;
            let side = if t < 0.15 * t_end {
                HPos::Left
            } else {
                HPos::Right
            };
            let style = TextStyle::from((FONT, 13).into_font())
                .color(&grey)
                .pos(Pos::new(side, VPos::Top));
            chart.draw_series([Text::new(format!(" {label} "), (t, top * 0.98), style)])?;
        }
    }
    Ok(())
}

/// Tick labels for a time axis ending at `t_end` seconds: as many decimals
/// as it takes for neighbouring ticks to differ.
pub fn time_labels(t_end: f64) -> impl Fn(&f64) -> String {
    let decimals = if t_end >= 20.0 {
        0
    } else if t_end >= 2.0 {
        1
    } else {
        2
    };
    move |t| format!("{t:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_the_ends_and_bounds_the_count() {
        let xs: Vec<u32> = (0..10_001).collect();
        let t = thin(&xs, 1000);
        assert!(t.len() <= 1002);
        assert_eq!(t.first(), Some(&0));
        assert_eq!(t.last(), Some(&10_000));
        assert_eq!(thin(&[1, 2, 3], 1000), vec![1, 2, 3]);
    }

    #[test]
    fn the_bundled_font_is_valid() {
        let bytes: &'static [u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
        assert!(plotters::style::register_font("test-font", FontStyle::Normal, bytes).is_ok());
    }
}
