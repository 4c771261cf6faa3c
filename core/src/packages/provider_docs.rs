//! The elements of a provider package as documents: each rate card (`rates/provider.json`, an
//! org's overrides in `rates/orgs/<org>.json`), each showback collector
//! (`collectors/<slug>.json`; an HTTP source's URL is a `url` configuration element, its
//! credential a secret slot), and each org's function limits (`orgs/<org>/limits.json`).
//! A [`Doc`] is what an element holds, read from a package or from this instance alike: plans
//! compare them, releases record them, and rollbacks write them back.

use std::collections::BTreeMap;

use api_types::{CollectorInput, CollectorSource, ErrorDetail, OrgLimits, RateInput};
use package::{Element, ElementKind, Files, Package};
use serde::{Deserialize, Serialize};

use super::rules::{ConfigFile, unique_slug};
use super::{PackagesError, json_bytes};
use crate::dates::{format_day, parse_day};
use crate::showback::rates::{format_price, parse_price};
use crate::store::{CollectorRow, RateRow, Store};

/// What one provider element holds (secret values never: a collector's credential is a slot).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[expect(clippy::large_enum_variant, reason = "a few documents per package, built once per plan")]
pub(super) enum Doc {
    /// The provider's card (`org` none) or an org's overrides, sorted by service, unit and day.
    RateCard {
        org: Option<String>,
        entries: Vec<RateInput>,
    },
    /// With no `auth_value`.
    Collector {
        collector: CollectorInput,
    },
    OrgLimits {
        org: String,
        limits: OrgLimits,
    },
}

impl Doc {
    /// The org it is about, if any (it must exist on the importing instance).
    pub(super) fn org(&self) -> Option<&str> {
        match self {
            Doc::RateCard { org, .. } => org.as_deref(),
            Doc::Collector { .. } => None,
            Doc::OrgLimits { org, .. } => Some(org),
        }
    }
}

/// `collectors/<slug>.json`: a collector as `POST /api/provider/showback/collectors` takes it,
/// with an HTTP source's `url` as `${config:<slug>-url}` and no `auth_value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct CollectorFile {
    #[serde(flatten)]
    pub(super) collector: CollectorInput,
    /// The HTTP source's credential: `unset` (the target keeps its value, or must be given one)
    /// or `sealed` (in `collectors/<slug>.age`, encrypted to the target instance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) secret: Option<String>,
}

/// A provider element of `package`: its document as the package holds it, and its credential
/// slot (`unset`, `keep` or `sealed`) if it has one. A name that does not say which card, a
/// collector file naming another collector or carrying a credential, and an unknown slot are
/// refused, naming the element.
pub(super) fn read_element(package: &Package, element: &Element) -> Result<(Doc, Option<String>), PackagesError> {
    let id = element.id();
    let bad = |why: String| PackagesError::Invalid(format!("{id} ({}): {why}", element.path));
    let bytes = package.files().get(&element.path).ok_or_else(|| bad("the file is missing".to_owned()))?;
    match element.kind {
        ElementKind::RateCard => {
            let org = match element.name.as_str() {
                "provider" => None,
                name => match name.strip_prefix("org:") {
                    Some(org) if !org.is_empty() => Some(org.to_owned()),
                    _ => return Err(bad("a rate card is `provider` or `org:<org>`".to_owned())),
                },
            };
            let entries = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
            Ok((Doc::RateCard { org, entries }, None))
        }
        ElementKind::OrgLimits => {
            let limits = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
            Ok((Doc::OrgLimits { org: element.name.clone(), limits }, None))
        }
        ElementKind::Collector => {
            let file: CollectorFile = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
            if file.collector.name != element.name {
                return Err(bad(format!("the file is of collector '{}'", file.collector.name)));
            }
            if matches!(&file.collector.source, CollectorSource::Http(http) if http.auth_value.is_some()) {
                return Err(bad("a credential never travels in clear: seal it (secret: sealed)".to_owned()));
            }
            if let Some(how) = file.secret.as_deref().filter(|h| !matches!(*h, "unset" | "keep" | "sealed")) {
                return Err(bad(format!("secret is '{how}'; a slot is unset, keep or sealed")));
            }
            Ok((Doc::Collector { collector: file.collector }, file.secret))
        }
        other => Err(bad(format!(
            "a provider package holds rate cards, collectors, org limits and configuration, not {other:?}"
        ))),
    }
}

/// `doc` as this instance would store it: names trimmed, prices in their canonical form and a
/// card's entries sorted (so a price written `0.020` in git is no change from `0.02`).
pub(super) fn normalized(doc: Doc) -> Doc {
    match doc {
        Doc::RateCard { org, entries } => {
            let mut entries: Vec<RateInput> = entries
                .into_iter()
                .map(|e| RateInput {
                    service: e.service.trim().to_owned(),
                    unit: e.unit.trim().to_owned(),
                    unit_price: parse_price(&e.unit_price).map_or(e.unit_price, format_price),
                    effective_from: parse_day(&e.effective_from).map_or(e.effective_from, format_day),
                    ..e
                })
                .collect();
            sort_entries(&mut entries);
            Doc::RateCard { org, entries }
        }
        Doc::Collector { collector } => Doc::Collector {
            collector: CollectorInput {
                name: collector.name.trim().to_owned(),
                schedule: collector.schedule.trim().to_owned(),
                ..collector
            },
        },
        other => other,
    }
}

fn sort_entries(entries: &mut [RateInput]) {
    entries.sort_by(|a, b| (&a.service, &a.unit, &a.effective_from).cmp(&(&b.service, &b.unit, &b.effective_from)));
}

/// A card's entries as a package holds them.
pub(super) fn card_entries(rows: &[RateRow]) -> Vec<RateInput> {
    let mut entries: Vec<RateInput> = rows
        .iter()
        .map(|r| RateInput {
            service: r.service.clone(),
            unit: r.unit.clone(),
            unit_price: format_price(r.unit_price_nanos),
            currency: r.currency.clone(),
            effective_from: r.effective_from.clone(),
        })
        .collect();
    sort_entries(&mut entries);
    entries
}

/// A stored collector as a document (its credential left out).
pub(super) fn collector_doc(row: &CollectorRow) -> Doc {
    let mut source = row.source.clone();
    if let CollectorSource::Http(http) = &mut source {
        http.auth_value = None;
    }
    let collector =
        CollectorInput { name: row.name.clone(), schedule: row.schedule.clone(), enabled: row.enabled, source };
    Doc::Collector { collector }
}

/// The stored credential of a collector's HTTP source.
pub(super) fn credential(row: &CollectorRow) -> Option<&str> {
    match &row.source {
        CollectorSource::Http(http) => http.auth_value.as_deref(),
        CollectorSource::File(_) | CollectorSource::Metering(_) => None,
    }
}

/// Every provider element of this instance: the provider's card, each org's overrides and
/// limits the provider set, and each collector (credentials sealed to `seal_to` when given),
/// with the `url` configuration elements of HTTP sources valued for `environment`.
pub(super) async fn export(
    store: &Store,
    environment: &str,
    seal_to: Option<&str>,
) -> Result<(Files, Vec<Element>), PackagesError> {
    let (mut content, mut elements) = (Files::new(), Vec::new());
    let element = |kind, name: String, path: &str| Element {
        kind,
        name,
        path: path.to_owned(),
        requires: Vec::new(),
        reason: None,
        locked: false,
    };
    let mut cards: BTreeMap<Option<String>, Vec<RateRow>> = BTreeMap::new();
    for row in store.all_rates().await? {
        cards.entry(row.org.clone()).or_default().push(row);
    }
    for (org, rows) in &cards {
        let (name, path) = match org {
            None => ("provider".to_owned(), "rates/provider.json".to_owned()),
            Some(org) => (format!("org:{org}"), format!("rates/orgs/{org}.json")),
        };
        content.insert(path.clone(), json_bytes(&card_entries(rows))?);
        elements.push(element(ElementKind::RateCard, name, &path));
    }
    for org in store.list_orgs().await? {
        if let Some((Some(limits), _)) = store.org_limits_stamped(&org.name).await? {
            let path = format!("orgs/{}/limits.json", org.name);
            content.insert(path.clone(), json_bytes(&limits)?);
            elements.push(element(ElementKind::OrgLimits, org.name.clone(), &path));
        }
    }
    let mut taken = std::collections::BTreeSet::new();
    for row in store.list_collectors().await? {
        let key = unique_slug(&row.name, &mut taken);
        let Doc::Collector { mut collector } = collector_doc(&row) else { continue };
        let mut collector_element =
            element(ElementKind::Collector, row.name.clone(), &format!("collectors/{key}.json"));
        let mut secret = None;
        if let CollectorSource::Http(http) = &mut collector.source {
            let config = format!("{key}-url");
            let file = ConfigFile {
                kind: "url".to_owned(),
                values: BTreeMap::from([(environment.to_owned(), http.url.clone())]),
                within: None,
            };
            content.insert(format!("config/{config}.json"), json_bytes(&file)?);
            elements.push(Element {
                reason: Some(format!("required by collector {}", row.name)),
                ..element(ElementKind::Config, config.clone(), &format!("config/{config}.json"))
            });
            collector_element.requires.push(format!("config:{config}"));
            http.url = format!("${{config:{config}}}");
            secret = match (credential(&row), seal_to) {
                (None, _) => None,
                (Some(value), Some(recipient)) => {
                    content.insert(format!("collectors/{key}.age"), package::seal(recipient, value)?.into_bytes());
                    Some("sealed".to_owned())
                }
                (Some(_), None) => Some("unset".to_owned()),
            };
        }
        content.insert(collector_element.path.clone(), json_bytes(&CollectorFile { collector, secret })?);
        elements.push(collector_element);
    }
    Ok((content, elements))
}

/// Why a document cannot be written (each problem named by its field), if it cannot.
pub(super) fn problems(doc: &Doc) -> Vec<ErrorDetail> {
    let prefixed = |prefix: String, details: Vec<ErrorDetail>| -> Vec<ErrorDetail> {
        details
            .into_iter()
            .map(|d| ErrorDetail::field(d.field.map_or_else(|| prefix.clone(), |f| format!("{prefix}.{f}")), d.reason))
            .collect()
    };
    match doc {
        Doc::RateCard { org, entries } => {
            let mut out = Vec::new();
            let mut seen = std::collections::BTreeSet::new();
            for (i, entry) in entries.iter().enumerate() {
                if let Err(crate::showback::ShowbackError::Invalid(details)) =
                    crate::showback::rate_row(entry.clone(), org.clone())
                {
                    out.extend(prefixed(format!("entries[{i}]"), details));
                }
                if !seen.insert((&entry.service, &entry.unit, &entry.effective_from)) {
                    out.push(ErrorDetail::field(
                        format!("entries[{i}]"),
                        "a second entry for this service, unit and day",
                    ));
                }
            }
            out
        }
        Doc::Collector { collector } => crate::showback::collectors::rows::validate(collector),
        Doc::OrgLimits { limits, .. } => crate::functions::check_org_limits(limits),
    }
}
