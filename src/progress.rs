//! Progress bars on standard error, drawn only when it is a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar counting to `len` `unit`s, with elapsed time and ETA; hidden when
/// standard error is not a terminal (a pipe, a file, a batch job).
pub fn bar(len: u64, unit: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit}, {{elapsed}} elapsed, ETA {{eta}}");
    bar.set_style(ProgressStyle::with_template(&template).expect("the template is valid"));
    bar
}
