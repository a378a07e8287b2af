//! The report formats by name, as `--format NAME` spells them: one list
//! the command line, the pipeline and the docs share.

use std::fmt;

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
