use super::*;

#[test]
fn an_offered_id_admits_itself_and_its_arns_here_only() {
    let region = "us-east-1";
    let account = Some("123456789012");
    let profile = "us.anthropic.claude-3-5-sonnet-20240620-v1:0";
    let model = "anthropic.claude-3-haiku-20240307-v1:0";
    assert!(arn_of(
        profile,
        &format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/{profile}"),
        region,
        account
    ));
    assert!(arn_of(model, &format!("arn:aws:bedrock:us-east-1::foundation-model/{model}"), region, account));
    for other in [
        format!("arn:aws:bedrock:us-east-1:999999999999:inference-profile/{profile}"),
        format!("arn:aws:bedrock:eu-west-1:123456789012:inference-profile/{profile}"),
        format!("arn:aws:bedrock:eu-west-1::foundation-model/{model}"),
        format!("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/{profile}"),
        format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.{}", &profile[3..]),
        format!("arn:aws:s3:us-east-1::foundation-model/{model}"),
    ] {
        assert!(
            !arn_of(profile, &other, region, account) && !arn_of(model, &other, region, account),
            "{other}"
        );
    }
    // Without AWS_ACCOUNT_ID no profile ARN can be checked, so none is admitted.
    assert!(!arn_of(
        profile,
        &format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/{profile}"),
        region,
        None
    ));
}

#[test]
fn service_tiers_are_bedrocks_and_default_to_those_that_cost_no_more() {
    assert_eq!(parse_tiers(None).unwrap(), ["default", "flex"]);
    assert_eq!(parse_tiers(Some("default, priority")).unwrap(), ["default", "priority"]);
    assert_eq!(parse_tiers(Some("")).unwrap(), Vec::<String>::new());
    for bad in ["fast", "Priority", "default,standard"] {
        assert!(parse_tiers(Some(bad)).is_err(), "{bad}");
    }
}
