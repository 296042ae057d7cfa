//! Nodes are upgraded one at a time (docs/deploy.md): the first new node migrates the database
//! while nodes of the previous version still serve on it. That is safe only while every
//! migration adds and never takes away: new tables and indexes, new columns that are nullable or
//! have a default. This test holds every migration to that rule.

fn statements(sql: &str) -> Vec<String> {
    let code: String = sql.lines().map(|line| line.split("--").next().unwrap_or("")).collect::<Vec<_>>().join(" ");
    code.split(';').map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|s| !s.is_empty()).collect()
}

/// Why `statement` could break a node of the previous version, if it could.
fn breaks_old_nodes(statement: &str) -> Option<&'static str> {
    let upper = statement.to_uppercase();
    if upper.starts_with("CREATE TABLE")
        || upper.starts_with("CREATE INDEX")
        || upper.starts_with("CREATE UNIQUE INDEX")
    {
        return None;
    }
    if !(upper.starts_with("ALTER TABLE") && upper.contains(" ADD COLUMN ")) {
        return Some("only CREATE TABLE, CREATE [UNIQUE] INDEX and ALTER TABLE … ADD COLUMN are additive");
    }
    if upper.contains("NOT NULL") && !upper.contains("DEFAULT") {
        return Some("a NOT NULL column without a DEFAULT makes the previous version's inserts fail");
    }
    None
}

#[test]
fn every_migration_only_adds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let sql = std::fs::read_to_string(&path).unwrap();
        for statement in statements(&sql) {
            if let Some(why) = breaks_old_nodes(&statement) {
                panic!("{}: `{statement}`: {why}", path.display());
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "read the migrations ({checked} statements)");
}

#[test]
fn the_rule_refuses_what_would_break_old_nodes() {
    for bad in [
        "DROP TABLE calls",
        "ALTER TABLE calls DROP COLUMN media",
        "ALTER TABLE calls RENAME COLUMN media TO stats",
        "ALTER TABLE calls ADD COLUMN region TEXT NOT NULL",
        "UPDATE calls SET status = 'done'",
    ] {
        assert!(breaks_old_nodes(bad).is_some(), "{bad}");
    }
    assert!(breaks_old_nodes("ALTER TABLE calls ADD COLUMN region TEXT NOT NULL DEFAULT 'us'").is_none());
    assert_eq!(statements("-- a; comment\nCREATE TABLE t (a TEXT);\n\nCREATE INDEX i ON t (a);").len(), 2);
}
