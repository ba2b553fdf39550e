//! What every chart shares: the font, the colours, axis and label helpers,
//! thinning, and the file formats with the backends that write them.

use std::fs;
use std::ops::Range;
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Scalable vector graphics: sharp at any size, text stays text.
    Svg,
    /// 1000-pixel-wide raster images.
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
            let svg = svg_string(chart).map_err(fail)?;
            let mut f = crate::output::folder::create_fresh(&partial)
                .map_err(FileError::at(&partial, "create the file"))?;
            std::io::Write::write_all(&mut f, svg.as_bytes())
                .map_err(FileError::at(&partial, "write the file"))?;
        }
        Format::Png => {
            // The encoder opens the file itself: whatever is there (a link
            // planted there, say) goes first.
            match fs::remove_file(&partial) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(FileError::new(&partial, "remove the old file", e).into())
                }
                _ => {}
            }
            let root = BitMapBackend::new(&partial, chart.size()).into_drawing_area();
            chart.draw(&root).map_err(|e| fail(e.to_string()))?;
            root.present().map_err(|e| fail(e.to_string()))?;
        }
    }
    fs::rename(&partial, &file).map_err(FileError::at(&file, "move the new file into place"))?;
    Ok(file)
}

/// A chart drawn as SVG text, in memory (for a report that carries its
/// charts inline).
pub fn svg_string(chart: &impl Drawable) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, chart.size()).into_drawing_area();
        chart.draw(&root).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// A polyline that a raster backend draws as it is meant. plotters draws
/// a thick line as one polygon whose corners are where the offset edges
/// meet: at a sharp turn (a noisy time series turns back on itself every
/// few pixels) the inner corner lies far away, and the PNG shows spikes
/// through the title; two equal points in a row give a corner at NaN.
/// This element leaves out repeated points and starts a new path at every
/// turn sharper than a right angle, so that no corner is sharp.
pub struct Line<Coord> {
    points: Vec<Coord>,
    style: ShapeStyle,
}

impl<Coord> Line<Coord> {
    pub fn new(points: impl IntoIterator<Item = Coord>, style: impl Into<ShapeStyle>) -> Self {
        Line {
            points: points.into_iter().collect(),
            style: style.into(),
        }
    }
}

impl<'a, Coord> plotters::element::PointCollection<'a, Coord> for &'a Line<Coord> {
    type Point = &'a Coord;
    type IntoIter = &'a [Coord];
    fn point_iter(self) -> &'a [Coord] {
        &self.points
    }
}

impl<Coord, DB: DrawingBackend> plotters::element::Drawable<DB> for Line<Coord> {
    fn draw<I: Iterator<Item = plotters_backend::BackendCoord>>(
        &self,
        points: I,
        backend: &mut DB,
        _: (u32, u32),
    ) -> Result<(), plotters_backend::DrawingErrorKind<DB::ErrorType>> {
        for piece in pieces(points) {
            backend.draw_path(piece, &self.style)?;
        }
        Ok(())
    }
}

/// `points` (pixels) without repeats, cut into paths that turn by at most
/// a right angle at each point: a cut point ends one path and starts the
/// next, so the line stays whole.
pub fn pieces(points: impl Iterator<Item = (i32, i32)>) -> Vec<Vec<(i32, i32)>> {
    let mut out: Vec<Vec<(i32, i32)>> = Vec::new();
    let mut path: Vec<(i32, i32)> = Vec::new();
    for p in points {
        if path.last() == Some(&p) {
            continue;
        }
        if let [.., a, b] = path[..] {
            let (u, v) = ((b.0 - a.0, b.1 - a.1), (p.0 - b.0, p.1 - b.1));
            if i64::from(u.0) * i64::from(v.0) + i64::from(u.1) * i64::from(v.1) < 0 {
                out.push(std::mem::replace(&mut path, vec![b]));
            }
        }
        path.push(p);
    }
    if path.len() > 1 {
        out.push(path);
    }
    out
}

/// An axis from `lo` to `hi` that plotters can draw in bounded time: both
/// ends finite, `hi` above `lo`, and the span between them finite too
/// (an infinite or NaN end makes plotters iterate without end, or abort).
/// A range that already is one is returned as it is. Otherwise an infinite
/// end stands for the largest number, a NaN end for the other end; ends
/// too far apart to subtract keep the middle 99% of what numbers span; a
/// reversed range is turned round and an empty one widened.
pub fn axis(lo: f64, hi: f64) -> Range<f64> {
    if lo.is_finite() && hi.is_finite() && hi > lo && (hi - lo).is_finite() {
        return lo..hi;
    }
    let number = |x: f64| (!x.is_nan()).then(|| x.clamp(-f64::MAX, f64::MAX));
    let (lo, hi) = match (number(lo), number(hi)) {
        (Some(lo), Some(hi)) => (lo.min(hi), lo.max(hi)),
        (Some(x), None) | (None, Some(x)) => (x, x),
        (None, None) => (0.0, 1.0),
    };
    if hi > lo && !(hi - lo).is_finite() {
        // Of opposite signs, so the middle is within half of f64::MAX.
        let (mid, half) = (lo / 2.0 + hi / 2.0, f64::MAX / 2.0 * 0.99);
        return lo.max(mid - half)..hi.min(mid + half);
    }
    if hi > lo {
        return lo..hi;
    }
    let width = (lo.abs() * 2e-3).max(1.0);
    if lo > 0.0 {
        (lo - width)..lo
    } else {
        lo..(lo + width)
    }
}

/// How far past its axis a value may be drawn, in spans of the axis: far
/// enough for what a chart means to draw past its frame (a confidence
/// interval cut at the frame of a share), near enough that no pixel
/// coordinate overflows and no line is billions of pixels long.
const REACH: f64 = 1000.0;

/// Where `v` is drawn on an axis over `range` (made by [`axis`]): nowhere
/// if it is not finite, and no further than `REACH` spans past either end.
pub fn on(range: &Range<f64>, v: f64) -> Option<f64> {
    let span = range.end - range.start;
    let (lo, hi) = (range.start - REACH * span, range.end + REACH * span);
    (v.is_finite() && lo <= hi).then(|| v.clamp(lo, hi))
}

/// A point `(x, y)` where it is drawn on the axes `x` and `y`, if anywhere.
pub fn at(x: &Range<f64>, y: &Range<f64>, (a, b): (f64, f64)) -> Option<(f64, f64)> {
    Some((on(x, a)?, on(y, b)?))
}

/// The largest of the finite `values` and `floor`.
pub fn finite_max(values: impl IntoIterator<Item = f64>, floor: f64) -> f64 {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(floor, f64::max)
}

/// The end of a time axis over windows ending at `t_s`: the last finite
/// one (at least a millisecond), or a second if there is none.
pub fn time_end(t_s: impl DoubleEndedIterator<Item = f64>) -> f64 {
    t_s.rev().find(|t| t.is_finite()).unwrap_or(1.0).max(1e-3)
}

/// Every `k`-th item, the last always kept, so at most about `max` remain.
pub fn thin<T: Clone>(items: &[T], max: usize) -> Vec<T> {
    let k = items.len().div_ceil(max).max(1);
    let mut out: Vec<T> = items.iter().step_by(k).cloned().collect();
    if let Some(last) = items.last() {
        if !(items.len() - 1).is_multiple_of(k) {
            out.push(last.clone());
        }
    }
    out
}

/// Ticks of a log axis: labelled at 1, 2 and 5 times a power of ten over
/// a few decades, at each power of ten over more, at some powers of ten
/// over more than a dozen; grid lines at every whole multiple. So labels
/// never crowd: at most about a dozen. `lo` and `hi` are finite and
/// `0 < lo < hi`, so there are at most about 650 decades.
pub fn log_axis(lo: f64, hi: f64) -> WithKeyPoints<LogCoord<f64>> {
    let decades = (lo.log10().floor() as i32)..=(hi.log10().ceil() as i32);
    let at = |ms: &[f64], every: usize| -> Vec<f64> {
        decades
            .clone()
            .step_by(every)
            .flat_map(|d| ms.iter().map(move |m| m * 10f64.powi(d)))
            .filter(|x| (lo..=hi).contains(x))
            .collect()
    };
    // The decades the axis spans (a part of one counts as a part).
    let span = hi.log10() - lo.log10();
    if span > 12.0 {
        let many = decades.clone().count();
        return (lo..hi)
            .log_scale()
            .with_key_points(at(&[1.0], many.div_ceil(8)))
            .with_light_points(at(&[1.0], 1));
    }
    let light = at(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], 1);
    let labelled: &[f64] = if span <= 1.2 {
        &[1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    } else if span <= 2.5 {
        &[1.0, 2.0, 3.0, 5.0]
    } else if span <= 4.5 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    (lo..hi)
        .log_scale()
        .with_key_points(at(labelled, 1))
        .with_light_points(light)
}

/// A linear axis ticked where the chart says (each value of a sweep's key,
/// each category), labelled by the chart's formatter. plotters' own
/// `WithKeyPoints` over a linear axis takes no label formatter.
#[derive(Clone)]
pub struct Ticked {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ticked {
    pub fn new(range: Range<f64>, ticks: Vec<f64>) -> Ticked {
        Ticked {
            inner: range.into(),
            ticks,
        }
    }
}

impl plotters::coord::ranged1d::Ranged for Ticked {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Grid lines at the ticks only, no lighter ones between.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

/// A number too large to be read in full (1e15 or more, which only crafted
/// or absurd input gives), as mantissa and exponent: `1.5e308`.
pub fn huge(x: f64) -> Option<String> {
    if x.abs() < 1e15 {
        return None;
    }
    // Four significant digits, no trailing zeros: 1e79, not
    // 1.0000000000000001e79.
    let text = format!("{x:.3e}");
    let (mantissa, exponent) = text.split_once('e')?;
    let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
    Some(format!("{mantissa}e{exponent}"))
}

/// Ticks on a log axis read best as plain numbers with few digits.
/// Ticks are at 1, 2, 5 (or every whole) times a power of ten, so three
/// significant digits, written as short as they go, write them exactly:
/// 0.1, 0.05, 1.5, 2, 300.
pub fn ms_label(x: &f64) -> String {
    if let Some(text) = huge(*x) {
        text
    } else if *x >= 1000.0 {
        format!("{x:.0}")
    } else {
        let rounded: f64 = format!("{x:.2e}").parse().unwrap_or(*x);
        format!("{rounded}")
    }
}

/// Of `candidates`, in order of preference, the corner of a plot where a
/// legend covers the fewest of `points` (each given as its share of the
/// way along the x and the y axis, 0 at the left and the bottom): a legend
/// in a fixed corner hid the dots of excluded peers and the line of peers
/// online.
pub fn free_corner(
    points: impl IntoIterator<Item = (f64, f64)>,
    candidates: &[SeriesLabelPosition],
) -> SeriesLabelPosition {
    use SeriesLabelPosition::*;
    let points: Vec<(f64, f64)> = points.into_iter().collect();
    let region = |p: &SeriesLabelPosition| -> (f64, f64, f64, f64) {
        let (x0, x1) = match p {
            UpperLeft | MiddleLeft | LowerLeft => (0.0, 0.45),
            UpperMiddle | MiddleMiddle | LowerMiddle => (0.3, 0.7),
            _ => (0.55, 1.0),
        };
        let (y0, y1) = match p {
            UpperLeft | UpperMiddle | UpperRight => (0.65, 1.0),
            MiddleLeft | MiddleMiddle | MiddleRight => (0.3, 0.7),
            _ => (0.0, 0.35),
        };
        (x0, x1, y0, y1)
    };
    let covered = |p: &SeriesLabelPosition| {
        let (x0, x1, y0, y1) = region(p);
        points
            .iter()
            .filter(|(x, y)| (x0..=x1).contains(x) && (y0..=y1).contains(y))
            .count()
    };
    // The first of the least covered: a stable choice.
    let mut best = (usize::MAX, UpperRight);
    for c in candidates {
        let n = covered(c);
        if n < best.0 {
            best = (n, c.clone());
        }
    }
    best.1
}

/// The points of a line (as shares of its axes, like [`free_corner`]'s)
/// with points between them, so that a legend is not placed across a
/// long segment that has no point inside it.
pub fn densified(line: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(line.len() * 4);
    for w in line.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        let steps = (((x1 - x0).abs().max((y1 - y0).abs())) * 50.0)
            .ceil()
            .clamp(1.0, 50.0) as usize;
        out.extend((0..steps).map(|k| {
            let t = k as f64 / steps as f64;
            (x0 + t * (x1 - x0), y0 + t * (y1 - y0))
        }));
    }
    out.extend(line.last().copied());
    out
}

/// Where `v` is along `range`, as a share of it.
pub fn along(range: &Range<f64>, v: f64) -> f64 {
    (v - range.start) / (range.end - range.start)
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

/// Labels plotters draws by default on an axis.
pub const DEFAULT_LABELS: usize = 11;

/// The ticks plotters draws on a linear axis over `range` with at most
/// `labels` labels.
pub fn ticks_of(range: Range<f64>, labels: usize) -> Vec<f64> {
    use plotters::coord::ranged1d::{KeyPointHint, Ranged};
    let coord: RangedCoordf64 = range.into();
    coord.key_points(labels.max_num_points())
}

/// Tick labels for a linear axis over `range` with at most `labels`
/// ticks: those plotters draws there, written by [`labels_for`].
pub fn tick_labels(range: Range<f64>, labels: usize) -> impl Fn(&f64) -> String {
    let span = range.end - range.start;
    labels_for(&ticks_of(range, labels), span)
}

/// Labels for `ticks` (on an axis spanning `span`): each written with the
/// fewest decimals that write every one of them exactly (0, 0.5, 1.0 as
/// "0.0", "0.5", "1.0"; 0, 20, 40 as "0", "20", "40"), so that ticks are
/// never repeated nor longer than they need; whole numbers with their
/// thousands apart on an axis that reaches 10,000; numbers too large to
/// write in full short,
/// and "-0" as "0".
pub fn labels_for(ticks: &[f64], span: f64) -> impl Fn(&f64) -> String {
    let exact = |d: usize| {
        ticks.iter().all(|t| {
            let shown: f64 = format!("{t:.d$}").parse().unwrap_or(f64::NAN);
            (shown - t).abs() <= 1e-9 * span.abs().max(t.abs())
        })
    };
    let decimals = (0..=15).find(|&d| exact(d)).unwrap_or(15);
    // Thousands apart on every tick of an axis that reaches 10,000.
    let grouped = decimals == 0 && ticks.iter().any(|t| t.abs() >= 1e4);
    move |y| {
        if let Some(text) = huge(*y) {
            return text;
        }
        let text = format!("{y:.decimals$}");
        if text
            .trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            return text.trim_start_matches('-').to_string();
        }
        if grouped {
            let digits = crate::output::number::thousands(y.abs().round() as u64);
            return if *y < 0.0 {
                format!("-{digits}")
            } else {
                digits
            };
        }
        text
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
        if !t.is_finite() || t <= 0.0 {
            continue;
        }
        let t = on(&chart.x_range(), t).unwrap_or(t);
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
    fn axes_are_finite_and_not_empty_and_keep_what_already_is() {
        use plotters::coord::ranged1d::{KeyPointHint, Ranged};
        assert_eq!(axis(0.0, 1.0), 0.0..1.0);
        assert_eq!(axis(-1e300, 1e300), -1e300..1e300);
        assert_eq!(axis(0.0, f64::INFINITY), 0.0..f64::MAX);
        assert_eq!(axis(2.0, 1.0), 1.0..2.0);
        // Too far apart to subtract: the data's middle is kept.
        let r = axis(-8.5e306, 1.785e308);
        assert!(r.start <= 1e300 && r.end >= 1.7e308, "{r:?}");
        let edge = f64::MAX;
        let cases = [
            (0.0, f64::INFINITY),
            (f64::NEG_INFINITY, f64::INFINITY),
            (f64::NAN, 1.0),
            (f64::NAN, f64::NAN),
            (1.0, f64::NAN),
            (5.0, 5.0),
            (5.0, 1.0),
            (1e308, 1e308),
            (-edge, edge),
            (edge, edge),
            (1e308 - 0.5, 1e308 + 0.5),
            (-f64::INFINITY, 0.0),
            (-8.5e306, 1.785e308),
        ];
        for (lo, hi) in cases {
            let r = axis(lo, hi);
            assert!(
                r.start.is_finite() && r.end.is_finite() && r.end > r.start,
                "{lo}..{hi}: {r:?}"
            );
            assert!((r.end - r.start).is_finite(), "{lo}..{hi}: {r:?}");
            // Plotters makes its ticks of it in bounded time.
            let coord: RangedCoordf64 = r.clone().into();
            assert!(coord.key_points(10usize.max_num_points()).len() <= 10);
        }
    }

    #[test]
    fn values_are_drawn_near_their_axis_or_not_at_all() {
        let r = axis(0.0, 10.0);
        assert_eq!(on(&r, 5.0), Some(5.0));
        assert_eq!(on(&r, -20.0), Some(-20.0));
        assert_eq!(on(&r, 1e308), Some(10_010.0));
        assert_eq!(on(&r, f64::NAN), None);
        assert_eq!(on(&r, f64::NEG_INFINITY), None);
        assert_eq!(at(&r, &r, (1.0, f64::INFINITY)), None);
        assert_eq!(finite_max([1.0, f64::INFINITY, f64::NAN, 3.0], 0.0), 3.0);
        assert_eq!(finite_max([f64::INFINITY], 2.0), 2.0);
    }

    #[test]
    fn tick_labels_are_exact_and_as_short_as_they_can_be() {
        let l = labels_for(&[0.0, 0.5, 1.0], 1.0);
        assert_eq!([l(&0.0), l(&0.5), l(&1.0)], ["0.0", "0.5", "1.0"]);
        let l = labels_for(&[0.97, 0.975, 0.98], 0.04);
        assert_eq!([l(&0.97), l(&0.975)], ["0.970", "0.975"]);
        let l = labels_for(&[0.0, 5000.0, 10000.0], 10000.0);
        assert_eq!(
            [l(&5000.0), l(&10000.0), l(&-0.0)],
            ["5,000", "10,000", "0"]
        );
        let l = labels_for(&[0.0, 2000.0, 4000.0], 4000.0);
        assert_eq!(l(&4000.0), "4000");
        // The ticks plotters draws on 0..5.5 with 6 labels are whole.
        let l = tick_labels(0.0..5.5, 6);
        assert_eq!(l(&4.0), "4");
    }

    #[test]
    fn a_legend_goes_to_the_least_covered_corner_in_order() {
        use SeriesLabelPosition::*;
        // Dots in the upper right: the upper left is free.
        let dots = [(0.9, 0.9), (0.8, 0.95), (0.7, 0.8)];
        assert!(matches!(
            free_corner(dots, &[UpperRight, UpperLeft]),
            UpperLeft
        ));
        // Nothing anywhere: the first choice.
        assert!(matches!(
            free_corner([], &[LowerRight, UpperLeft]),
            LowerRight
        ));
        // A long segment through the upper right, with no point inside it
        // until it is densified.
        let line = densified(&[(0.5, 0.8), (1.0, 0.8)]);
        assert!(line.len() > 10);
        assert!(matches!(
            free_corner(line, &[UpperRight, LowerRight]),
            LowerRight
        ));
    }

    #[test]
    fn huge_numbers_are_written_short() {
        assert_eq!(huge(1e14), None);
        assert_eq!(huge(1.000_000_000_000_000_1e79).as_deref(), Some("1e79"));
        assert_eq!(huge(4.999_999_999_999_999e306).as_deref(), Some("5e306"));
        assert_eq!(huge(-1.5e308).as_deref(), Some("-1.5e308"));
        assert_eq!(ms_label(&2e20), "2e20");
        assert_eq!(ms_label(&20.0), "20");
        assert_eq!(ms_label(&0.1), "0.1");
        assert_eq!(ms_label(&(1.5 * 0.1)), "0.15");
        assert_eq!(ms_label(&2.0), "2");
        assert_eq!(ms_label(&5000.0), "5000");
    }

    #[test]
    fn log_axes_reach_as_far_as_numbers_do_in_bounded_ticks() {
        // A latency axis up to the largest number: about 310 decades.
        let axis = log_axis(0.01, f64::MAX);
        let light = axis.key_points(plotters::coord::ranged1d::LightPoints::new(10_000, 10_000));
        assert!(light.len() < 5_000, "{}", light.len());
    }

    #[test]
    fn the_bundled_font_is_valid() {
        let bytes: &'static [u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
        assert!(plotters::style::register_font("test-font", FontStyle::Normal, bytes).is_ok());
    }
}
