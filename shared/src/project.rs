//! Bedrock projects (`projectIdentifier` of `Converse` and `ConverseStream`, botocore ≥ 1.44.8).
//!
//! A call is billed to a project: `default` (or no `projectIdentifier`) is the account's
//! default project; any other is named by its id or its ARN
//! (`arn:<partition>:bedrock:<region>:<account>:project/<id>`). The service model's
//! `ProjectIdentifier` shape: 1 to 2048 characters matching
//! `[a-zA-Z0-9_-]+` or `arn:aws(|-us-gov|-cn|-iso|-iso-b|-iso-f|-eusc):bedrock:[0-9a-z-]{1,20}:[0-9]{12}:project/[a-zA-Z0-9_-]+`.

/// The name of the account's default project.
pub const DEFAULT: &str = "default";

/// A project identifier, read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Project<'a> {
    /// The account's default project (`default`, or none named).
    Default,
    /// A project by its id.
    Id(&'a str),
    /// A project by its ARN.
    Arn {
        /// `aws`, `aws-us-gov`, `aws-cn`, …
        partition: &'a str,
        /// The region it lives in.
        region: &'a str,
        /// The 12-digit account that owns it.
        account: &'a str,
        /// Its id.
        id: &'a str,
    },
}

const PARTITIONS: [&str; 7] =
    ["aws", "aws-us-gov", "aws-cn", "aws-iso", "aws-iso-b", "aws-iso-f", "aws-eusc"];

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Reads `identifier` (absent: the default project), or says why Bedrock would refuse it.
pub fn parse(identifier: Option<&str>) -> Result<Project<'_>, &'static str> {
    let Some(identifier) = identifier else { return Ok(Project::Default) };
    if identifier.is_empty() || identifier.len() > 2048 {
        return Err("a project identifier has 1 to 2048 characters");
    }
    if identifier == DEFAULT {
        return Ok(Project::Default);
    }
    if is_id(identifier) {
        return Ok(Project::Id(identifier));
    }
    let bad = "a project identifier is a project id (letters, digits, _ and -) or a project ARN \
               (arn:aws:bedrock:<region>:<12-digit account>:project/<id>)";
    let parts: Vec<&str> = identifier.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts[..] else { return Err(bad) };
    let id = resource.strip_prefix("project/").ok_or(bad)?;
    let region_ok = (1..=20).contains(&region.len())
        && region.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase() || b == b'-');
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    if arn != "arn" || !PARTITIONS.contains(&partition) || service != "bedrock" || !region_ok || !account_ok {
        return Err(bad);
    }
    if !is_id(id) {
        return Err(bad);
    }
    Ok(Project::Arn { partition, region, account, id })
}

impl Project<'_> {
    /// Whether this names the same project as `other`, for a caller in `region` (and
    /// `account`, when known): an ARN and an id are the same project when the ARN is in that
    /// region and account and ends in that id.
    pub fn same_as(&self, other: &Project<'_>, region: &str, account: Option<&str>) -> bool {
        let local = |r: &str, a: &str| r == region && account.is_none_or(|acct| acct == a);
        match (self, other) {
            (Project::Default, Project::Default) => true,
            (Project::Id(a), Project::Id(b)) => a == b,
            (Project::Id(id), Project::Arn { region: r, account: a, id: arn_id, .. })
            | (Project::Arn { region: r, account: a, id: arn_id, .. }, Project::Id(id)) => {
                id == arn_id && local(r, a)
            }
            (a @ Project::Arn { .. }, b @ Project::Arn { .. }) => a == b,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_forms_the_service_model_allows() {
        assert_eq!(parse(None), Ok(Project::Default));
        assert_eq!(parse(Some("default")), Ok(Project::Default));
        assert_eq!(parse(Some("team_a-1")), Ok(Project::Id("team_a-1")));
        assert_eq!(
            parse(Some("arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:project/p1")),
            Ok(Project::Arn {
                partition: "aws-us-gov",
                region: "us-gov-west-1",
                account: "123456789012",
                id: "p1"
            })
        );
    }

    #[test]
    fn refuses_what_the_service_model_does_not_allow() {
        for bad in [
            "",
            "has space",
            "dots.are.not.ids",
            "arn:aws:bedrock:us-east-1:12345:project/p",
            "arn:aws:s3:us-east-1:123456789012:project/p",
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/p",
            "arn:aws:bedrock:us-east-1:123456789012:project/",
            "arn:aws:bedrock:US-EAST-1:123456789012:project/p",
            "arn:aws-moon:bedrock:us-east-1:123456789012:project/p",
            "arn:aws:bedrock:us-east-1:123456789012:project/p/q",
        ] {
            assert!(parse(Some(bad)).is_err(), "{bad:?} was taken");
        }
        assert!(parse(Some(&"a".repeat(2049))).is_err());
        assert!(parse(Some(&"a".repeat(2048))).is_ok());
    }

    #[test]
    fn an_arn_is_its_id_only_in_the_same_region_and_account() {
        let id = parse(Some("p1")).unwrap();
        let here = parse(Some("arn:aws:bedrock:us-east-1:123456789012:project/p1")).unwrap();
        let elsewhere = parse(Some("arn:aws:bedrock:eu-west-1:123456789012:project/p1")).unwrap();
        let other_account = parse(Some("arn:aws:bedrock:us-east-1:999999999999:project/p1")).unwrap();
        assert!(id.same_as(&here, "us-east-1", None));
        assert!(here.same_as(&id, "us-east-1", Some("123456789012")));
        assert!(!id.same_as(&elsewhere, "us-east-1", None));
        assert!(!id.same_as(&other_account, "us-east-1", Some("123456789012")));
        assert!(!id.same_as(&Project::Default, "us-east-1", None));
        assert!(Project::Default.same_as(&parse(Some("default")).unwrap(), "us-east-1", None));
    }
}
