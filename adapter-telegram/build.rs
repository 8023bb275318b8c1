//! Generates `Msg`, one variant per message of `locales/en.ftl`.
//!
//! English is the reference locale: `Locales::load` refuses a locale that
//! lacks any of its messages, so a variant names a message in every
//! language. A message id in the code is then checked by the compiler: a
//! typo, or a message removed from the file while still used, fails the
//! build instead of showing a customer the raw id.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::{env, fs};

use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

fn main() {
    let source_path = "locales/en.ftl";
    println!("cargo::rerun-if-changed={source_path}");
    let source = fs::read_to_string(source_path).unwrap_or_else(|e| panic!("{source_path}: {e}"));
    let resource = fluent_syntax::parser::parse(source.as_str())
        .unwrap_or_else(|(_, errors)| panic!("{source_path} does not parse: {errors:?}"));

    let mut variants = String::new();
    let mut ids = String::new();
    let mut arguments = String::new();
    let mut all = String::new();
    for entry in &resource.body {
        let Entry::Message(message) = entry else {
            continue;
        };
        let id = message.id.name;
        let variant = variant_name(id);
        let english = message
            .value
            .as_ref()
            .map(|pattern| flatten(pattern))
            .unwrap_or_default();
        let mut names = Vec::new();
        if let Some(pattern) = &message.value {
            variables(pattern, &mut names);
        }
        names.sort_unstable();
        names.dedup();
        writeln!(variants, "    #[doc = {:?}]", format!("`{id}`: {english}")).ok();
        writeln!(variants, "    {variant},").ok();
        writeln!(ids, "            Msg::{variant} => {id:?},").ok();
        writeln!(arguments, "            Msg::{variant} => &{names:?},").ok();
        writeln!(all, "        Msg::{variant},").ok();
    }

    let generated = format!(
        "/// A message of the locale files, by its id in `locales/en.ftl`.\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\n\
         pub enum Msg {{\n{variants}}}\n\n\
         impl Msg {{\n\
         \x20   /// Every message, in file order.\n\
         \x20   pub const ALL: &'static [Msg] = &[\n{all}    ];\n\n\
         \x20   /// The Fluent message id.\n\
         \x20   pub fn id(self) -> &'static str {{\n        match self {{\n{ids}        }}\n    }}\n\n\
         \x20   /// The names of the arguments the English text uses, sorted.\n\
         \x20   pub fn arguments(self) -> &'static [&'static str] {{\n        match self {{\n{arguments}        }}\n    }}\n\
         }}\n"
    );
    let out = PathBuf::from(env::var("OUT_DIR").unwrap_or_else(|e| panic!("OUT_DIR: {e}")));
    fs::write(out.join("messages.rs"), generated).unwrap_or_else(|e| panic!("messages.rs: {e}"));
}

/// `btn-my-bookings` becomes `BtnMyBookings`.
fn variant_name(id: &str) -> String {
    id.split(['-', '_'])
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The English text, for the variant's documentation.
fn flatten(pattern: &Pattern<&str>) -> String {
    let mut text = String::new();
    for element in &pattern.elements {
        match element {
            PatternElement::TextElement { value } => text.push_str(value),
            PatternElement::Placeable { expression } => match expression {
                Expression::Inline(InlineExpression::VariableReference { id }) => {
                    write!(text, "{{${}}}", id.name).ok();
                }
                _ => text.push_str("{…}"),
            },
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The variables (`$name`) a pattern refers to, selectors and variants included.
fn variables<'s>(pattern: &Pattern<&'s str>, found: &mut Vec<&'s str>) {
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            expression_variables(expression, found);
        }
    }
}

fn expression_variables<'s>(expression: &Expression<&'s str>, found: &mut Vec<&'s str>) {
    match expression {
        Expression::Inline(inline) => inline_variables(inline, found),
        Expression::Select { selector, variants } => {
            inline_variables(selector, found);
            for variant in variants {
                variables(&variant.value, found);
            }
        }
    }
}

fn inline_variables<'s>(inline: &InlineExpression<&'s str>, found: &mut Vec<&'s str>) {
    match inline {
        InlineExpression::VariableReference { id } => found.push(id.name),
        InlineExpression::Placeable { expression } => expression_variables(expression, found),
        InlineExpression::FunctionReference { arguments, .. } => {
            for argument in &arguments.positional {
                inline_variables(argument, found);
            }
            for named in &arguments.named {
                inline_variables(&named.value, found);
            }
        }
        _ => {}
    }
}
