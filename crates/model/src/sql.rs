//! Text and address blocks written as SQL, for the queries `flows
//! --emit-sql` and `events --emit-sql` print: the dialects, string
//! literals, and an IPv4 address or block in a text column turned into an
//! integer, so that engines without an address type (DuckDB without an
//! extension, Spark) still compare blocks exactly. What each query selects
//! lives with its command (`portcullis_flows::sql`, `portcullis_events::sql`);
//! what they share is here, written once.

/// The engines a query is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Athena (Trino's SQL).
    Athena,
    BigQuery,
    DuckDb,
    /// Spark SQL (local mode in the tests).
    Spark,
}

impl Dialect {
    pub fn parse(s: &str) -> Option<Dialect> {
        match s.to_ascii_lowercase().as_str() {
            "athena" | "trino" => Some(Dialect::Athena),
            "bigquery" => Some(Dialect::BigQuery),
            "duckdb" => Some(Dialect::DuckDb),
            "spark" => Some(Dialect::Spark),
            _ => None,
        }
    }

    /// The engine's integer division operator.
    pub fn integer_division(self) -> &'static str {
        match self {
            Dialect::DuckDb => "//",
            Dialect::Spark => "div",
            Dialect::Athena | Dialect::BigQuery => "/",
        }
    }
}

/// A string literal: single quotes, a quote inside doubled (every dialect
/// here reads it so).
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Whether the text `expression` is a dotted IPv4 address, in `dialect`'s
/// regular-expression function (a Spark SQL literal reads `\\` as one
/// backslash, the others take the backslash as it is).
pub fn is_ipv4(expression: &str, dialect: Dialect) -> String {
    match dialect {
        Dialect::DuckDb => format!("regexp_full_match({expression}, '[0-9]{{1,3}}(\\.[0-9]{{1,3}}){{3}}')"),
        Dialect::Spark => format!("{expression} RLIKE '^[0-9]{{1,3}}(\\\\.[0-9]{{1,3}}){{3}}$'"),
        Dialect::Athena | Dialect::BigQuery => {
            format!("regexp_like({expression}, '^[0-9]{{1,3}}(\\.[0-9]{{1,3}}){{3}}$')")
        }
    }
}

/// The dotted IPv4 address in the text `expression` as an integer, NULL
/// when it is not one.
pub fn ipv4_integer(expression: &str, dialect: Dialect) -> String {
    let octet = |i: u8| format!("CAST(split_part({expression}, '.', {i}) AS BIGINT)");
    format!(
        "CASE WHEN {} THEN {} * 16777216 + {} * 65536 + {} * 256 + {} END",
        is_ipv4(expression, dialect),
        octet(1),
        octet(2),
        octet(3),
        octet(4)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_double_their_quotes() {
        assert_eq!(quote("it's"), "'it''s'");
    }

    #[test]
    fn dialects_by_name() {
        assert_eq!(Dialect::parse("Trino"), Some(Dialect::Athena));
        assert_eq!(Dialect::parse("spark"), Some(Dialect::Spark));
        assert_eq!(Dialect::parse("mysql"), None);
    }

    #[test]
    fn an_address_becomes_its_integer() {
        let sql = ipv4_integer("src", Dialect::DuckDb);
        assert!(sql.starts_with("CASE WHEN regexp_full_match(src, '[0-9]{1,3}(\\.[0-9]{1,3}){3}') THEN "), "{sql}");
        assert!(sql.contains("CAST(split_part(src, '.', 4) AS BIGINT) END"), "{sql}");
        assert!(ipv4_integer("src", Dialect::Spark).contains("src RLIKE '^[0-9]{1,3}(\\\\.[0-9]{1,3}){3}$'"));
    }
}
