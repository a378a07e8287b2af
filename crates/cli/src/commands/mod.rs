//! One module per subcommand.

pub mod diff;
pub mod events;
pub mod explain;
pub mod fix;
pub mod flows;
pub mod probe;
pub mod rules;
pub mod scan;

use crate::args::ColorChoice;
use std::io::IsTerminal;

/// Colors on a terminal only, and never with NO_COLOR set (no-color.org).
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}
