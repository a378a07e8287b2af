//! The report formats by name, as `--format NAME` spells them, and where
//! each goes (`--format sarif=out.sarif`): one list the command line, the
//! pipeline and the docs share, so every command that writes a report
//! (`scan`, `probe`, `flows`, `diff`) takes the same flags.

use crate::Emitter;
use std::fmt;
use std::path::{Path, PathBuf};

/// One output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// For people on a terminal (colours when asked).
    Text,
    /// The version 1 contract (docs/json.md).
    Json,
    /// SARIF 2.1.0, as GitHub code scanning reads it.
    Sarif,
    /// JUnit XML: one test suite per rule, one test case per finding, for
    /// GitLab, Jenkins and Azure DevOps test reports.
    Junit,
    /// GitHub Actions workflow commands: one annotation per finding.
    Github,
    /// GitHub-flavoured Markdown: a job summary or a pull-request comment.
    Markdown,
    /// One self-contained HTML page: summary, a sortable table, the details.
    Html,
}

impl Format {
    /// Every format, in the order help texts list them.
    pub const ALL: [Format; 7] =
        [Format::Text, Format::Json, Format::Sarif, Format::Junit, Format::Github, Format::Markdown, Format::Html];

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Markdown => "markdown",
            Format::Html => "html",
        }
    }

    /// The format named `name` (case-insensitive).
    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One report to write: a format, and a file or standard output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    pub format: Format,
    /// `None`: standard output.
    pub path: Option<PathBuf>,
}

/// Why a `--format` value or a set of them cannot be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DestinationError {
    /// Not a format name.
    UnknownFormat(String),
    /// `json=` with nothing after the `=`.
    EmptyPath(Format),
    /// Two reports would go to standard output and interleave.
    TwoOnStandardOutput(Format, Format),
    /// Two reports would replace each other.
    SameFile(PathBuf),
    /// `-o FILE` with several formats that have no file: which one goes there?
    OutputAmbiguous,
    /// A format this command does not write.
    NotForCommand { format: Format, command: &'static str, formats: &'static [Format] },
}

impl fmt::Display for DestinationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |formats: &[Format]| formats.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ");
        match self {
            DestinationError::UnknownFormat(name) => {
                write!(f, "--format {name}: expected one of {} (optionally =FILE)", names(&Format::ALL))
            }
            DestinationError::EmptyPath(format) => write!(f, "--format {format}=: name a file after the `=`"),
            DestinationError::TwoOnStandardOutput(a, b) => write!(
                f,
                "--format {a} and --format {b} would both print to standard output: give one of them a file (`--format {b}=FILE`)"
            ),
            DestinationError::SameFile(path) => {
                write!(f, "{}: two reports would be written to this file: choose one file per format", path.display())
            }
            DestinationError::OutputAmbiguous => write!(
                f,
                "-o names one file but several formats have none: write `--format NAME=FILE` for each instead"
            ),
            DestinationError::NotForCommand { format, command, formats } => {
                write!(f, "--format {format}: `{command}` writes {}", names(formats))
            }
        }
    }
}

impl std::error::Error for DestinationError {}

impl std::str::FromStr for Destination {
    type Err = DestinationError;

    /// `NAME` (standard output) or `NAME=FILE`.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let (name, path) = match value.split_once('=') {
            Some((name, path)) => (name, Some(path)),
            None => (value, None),
        };
        let format = Format::parse(name).ok_or_else(|| DestinationError::UnknownFormat(name.to_string()))?;
        match path {
            Some("") => Err(DestinationError::EmptyPath(format)),
            Some(path) => Ok(Destination { format, path: Some(PathBuf::from(path)) }),
            None => Ok(Destination { format, path: None }),
        }
    }
}

/// The reports a command writes: each `--format` given (text on standard
/// output when none is), `-o FILE` taken by the one format without a file.
/// At most one report goes to standard output, no two to one file, and
/// every format is one `command` writes (`allowed`).
pub fn destinations(
    given: &[Destination],
    output: Option<&Path>,
    command: &'static str,
    allowed: &'static [Format],
) -> Result<Vec<Destination>, DestinationError> {
    let mut all: Vec<Destination> =
        if given.is_empty() { vec![Destination { format: Format::Text, path: None }] } else { given.to_vec() };
    if let Some(output) = output {
        let mut without: Vec<&mut Destination> = all.iter_mut().filter(|d| d.path.is_none()).collect();
        match without.as_mut_slice() {
            [one] => one.path = Some(output.to_path_buf()),
            [] => all.push(Destination { format: Format::Text, path: Some(output.to_path_buf()) }),
            _ => return Err(DestinationError::OutputAmbiguous),
        }
    }
    let mut on_stdout: Option<Format> = None;
    let mut files: Vec<PathBuf> = Vec::new();
    for d in &all {
        if !allowed.contains(&d.format) {
            return Err(DestinationError::NotForCommand { format: d.format, command, formats: allowed });
        }
        match &d.path {
            None => match on_stdout {
                Some(first) => return Err(DestinationError::TwoOnStandardOutput(first, d.format)),
                None => on_stdout = Some(d.format),
            },
            Some(path) => {
                // `out.json` and `./out.json` are one file.
                let absolute = std::path::absolute(path).unwrap_or_else(|_| path.clone());
                if files.contains(&absolute) {
                    return Err(DestinationError::SameFile(path.clone()));
                }
                files.push(absolute);
            }
        }
    }
    Ok(all)
}

/// What the text format prints besides findings.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextOptions {
    /// ANSI colours (a terminal that asked for them).
    pub color: bool,
    /// `--quiet`: findings and errors only, no summary.
    pub quiet: bool,
}

/// The emitter that writes a findings report (`scan`, `probe`, the
/// findings of `flows`) in `format`.
pub fn emitter(format: Format, text: TextOptions) -> Box<dyn Emitter> {
    match format {
        Format::Text => Box::new(crate::text::Text { color: text.color, quiet: text.quiet }),
        Format::Json => Box::new(crate::json::Json),
        Format::Sarif => Box::new(crate::sarif::Sarif),
        Format::Junit => Box::new(crate::junit::Junit),
        Format::Github => Box::new(crate::github::Github),
        Format::Markdown => Box::new(crate::markdown::Markdown),
        Format::Html => Box::new(crate::html::Html::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(values: &[&str]) -> Vec<Destination> {
        values.iter().map(|v| v.parse().expect("a destination")).collect()
    }

    #[test]
    fn names_and_files_parse() {
        assert_eq!(
            parse(&["SARIF=out/a=b.sarif"])[0],
            Destination { format: Format::Sarif, path: Some(PathBuf::from("out/a=b.sarif")) }
        );
        assert_eq!("xml".parse::<Destination>(), Err(DestinationError::UnknownFormat("xml".into())));
        assert_eq!("json=".parse::<Destination>(), Err(DestinationError::EmptyPath(Format::Json)));
    }

    #[test]
    fn one_report_on_standard_output_and_one_per_file() {
        let all = &Format::ALL;
        let got = destinations(&parse(&["sarif=a.sarif", "json=b.json", "text"]), None, "scan", all).unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(
            destinations(&parse(&["text", "markdown"]), None, "scan", all),
            Err(DestinationError::TwoOnStandardOutput(Format::Text, Format::Markdown))
        );
        assert_eq!(
            destinations(&parse(&["json=a", "sarif=./a"]), None, "scan", all),
            Err(DestinationError::SameFile(PathBuf::from("./a")))
        );
        assert_eq!(destinations(&[], None, "scan", all).unwrap(), parse(&["text"]));
    }

    #[test]
    fn dash_o_goes_to_the_one_format_without_a_file() {
        let all = &Format::ALL;
        let o = Some(Path::new("r.json"));
        assert_eq!(destinations(&parse(&["json"]), o, "scan", all).unwrap(), parse(&["json=r.json"]));
        assert_eq!(destinations(&[], o, "scan", all).unwrap(), parse(&["text=r.json"]));
        assert_eq!(destinations(&parse(&["json", "sarif"]), o, "scan", all), Err(DestinationError::OutputAmbiguous));
    }

    #[test]
    fn a_command_refuses_formats_it_does_not_write() {
        let e = destinations(&parse(&["html"]), None, "explain", &[Format::Text, Format::Json]).unwrap_err();
        assert_eq!(e.to_string(), "--format html: `explain` writes text, json");
    }
}
