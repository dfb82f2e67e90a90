//! Whether to colour a stream: `--color`, then the conventions of the
//! environment (<https://no-color.org>, <https://bixense.com/clicolors/>),
//! then whether the stream is a terminal.

use std::ffi::OsString;

use super::ColorChoice;

/// The decision, first rule that applies:
/// 1. `--color always` / `--color never`;
/// 2. `NO_COLOR` set and not empty: no colour;
/// 3. `CLICOLOR_FORCE` set and not `0`: colour, even into a pipe;
/// 4. `TERM=dumb`: no colour;
/// 5. colour when the stream is a terminal.
pub fn enabled(choice: ColorChoice, var: impl Fn(&str) -> Option<OsString>, tty: bool) -> bool {
    match choice {
        ColorChoice::Always => return true,
        ColorChoice::Never => return false,
        ColorChoice::Auto => {}
    }
    if var("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if var("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
        return true;
    }
    if var("TERM").is_some_and(|v| v == "dumb") {
        return false;
    }
    tty
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| OsString::from(v))
    }

    #[test]
    fn precedence() {
        use ColorChoice::{Always, Auto, Never};
        let all = [("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1"), ("TERM", "dumb")];
        // --color decides over everything.
        assert!(enabled(Always, env(&all), false));
        assert!(!enabled(Never, env(&[("CLICOLOR_FORCE", "1")]), true));
        // NO_COLOR over CLICOLOR_FORCE; an empty NO_COLOR does not count.
        assert!(!enabled(Auto, env(&all), true));
        assert!(enabled(Auto, env(&[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")]), false));
        // CLICOLOR_FORCE over TERM=dumb and a pipe; `0` does not force,
        // an empty value does.
        assert!(enabled(Auto, env(&[("CLICOLOR_FORCE", "1"), ("TERM", "dumb")]), false));
        assert!(enabled(Auto, env(&[("CLICOLOR_FORCE", "")]), false));
        assert!(!enabled(Auto, env(&[("CLICOLOR_FORCE", "0")]), false));
        // TERM=dumb over a terminal.
        assert!(!enabled(Auto, env(&[("TERM", "dumb")]), true));
        assert!(enabled(Auto, env(&[("TERM", "xterm-256color")]), true));
        // Otherwise: a terminal or not.
        assert!(enabled(Auto, env(&[]), true));
        assert!(!enabled(Auto, env(&[]), false));
    }
}
