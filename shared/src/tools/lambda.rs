//! AWS Lambda functions as tools: the function a deployer names by ARN, the `Invoke` call that
//! runs it (<https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html>), and what Lambda's
//! answer means for the model.
//!
//! Pure: the relay sends the request (signed for [`SIGNING_NAME`]) and hands the answer to
//! [`outcome`].

use std::fmt;

use serde_json::Value;

use super::Outcome;

/// Lambda's SigV4 signing name.
pub const SIGNING_NAME: &str = "lambda";

/// Lambda's quota for a synchronous invocation's payload, request and response alike: "6 MB",
/// which its errors spell out as 6,291,556 bytes.
pub const PAYLOAD_LIMIT: usize = 6_291_556;

/// A function ARN, `arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionArn {
    arn: String,
    partition: String,
    /// The function's region (where it is invoked, and the signature's scope).
    pub region: String,
    /// The function's name.
    pub name: String,
}

impl FunctionArn {
    /// Reads a full function ARN, with or without a version or alias. A partial ARN or a bare
    /// name is refused: without its region and account the relay cannot know where it runs.
    pub fn parse(arn: &str) -> Result<Self, String> {
        let wrong = |why: &str| {
            Err(format!(
                "{arn:?} is not a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<alias>]): {why}"
            ))
        };
        let parts: Vec<&str> = arn.split(':').collect();
        let (partition, region, account, name, qualifier) = match parts[..] {
            ["arn", p, "lambda", r, a, "function", n] => (p, r, a, n, None),
            ["arn", p, "lambda", r, a, "function", n, q] => (p, r, a, n, Some(q)),
            _ => return wrong("it does not have that shape"),
        };
        let word = |s: &str, extra: &[u8]| {
            !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || extra.contains(&b))
        };
        if !partition.starts_with("aws") || !word(partition, b"") {
            return wrong("the partition is not an AWS partition");
        }
        let region_ok = word(region, b"")
            && region.split('-').count() >= 3
            && region.rsplit('-').next().is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
        if !region_ok {
            return wrong("the region is not a region");
        }
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return wrong("the account is not 12 digits");
        }
        if name.len() > 64 || !word(name, b"_") {
            return wrong("a function name is 1 to 64 letters, digits, hyphens and underscores");
        }
        if let Some(q) = qualifier
            && q != "$LATEST"
            && (q.len() > 128 || !word(q, b"_"))
        {
            return wrong("the version or alias is not one");
        }
        Ok(Self {
            arn: arn.to_owned(),
            partition: partition.to_owned(),
            region: region.to_owned(),
            name: name.to_owned(),
        })
    }

    /// Lambda's public endpoint for the function's region.
    pub fn endpoint(&self) -> String {
        let suffix = if self.partition == "aws-cn" { "amazonaws.com.cn" } else { "amazonaws.com" };
        format!("https://lambda.{}.{suffix}", self.region)
    }

    /// The `Invoke` path, the ARN (qualifier and all) percent-encoded as the AWS SDKs send it.
    pub fn invoke_path(&self) -> String {
        let mut encoded = String::with_capacity(self.arn.len() * 2);
        for b in self.arn.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                encoded.push(b as char);
            } else {
                encoded.push_str(&format!("%{b:02X}"));
            }
        }
        format!("/2015-03-31/functions/{encoded}/invocations")
    }
}

impl fmt::Display for FunctionArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

/// Lambda's answer to a synchronous `Invoke`.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    /// The HTTP status.
    pub status: u16,
    /// `X-Amz-Function-Error` (`Handled` or `Unhandled`): the function ran and failed.
    pub function_error: Option<&'a str>,
    /// `x-amzn-ErrorType`: Lambda's error, when it did not run the function.
    pub error_type: Option<&'a str>,
    /// The body: the function's result, its error object, or Lambda's error.
    pub body: &'a [u8],
}

impl Answer<'_> {
    /// Lambda's error name (`TooManyRequestsException`), from the header or the body.
    fn error_name(&self) -> String {
        let from_body = || {
            serde_json::from_slice::<Value>(self.body)
                .ok()?
                .get("__type")
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let name = self.error_type.map(str::to_owned).or_else(from_body).unwrap_or_default();
        // `x-amzn-ErrorType` may carry a namespace after a colon, and a `__type` one before `#`.
        let name = name.split(':').next().unwrap_or_default();
        name.rsplit('#').next().unwrap_or_default().to_owned()
    }

    /// Whether a second attempt may succeed: Lambda throttled the call, or failed in itself.
    pub fn retryable(&self) -> bool {
        self.function_error.is_none() && (self.status == 429 || self.status >= 500)
    }
}

fn excerpt(text: &str, most: usize) -> String {
    let mut cut: String = text.chars().take(most).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}

/// What the model is told of an `Invoke` answer: the function's JSON result (a JSON string
/// becomes text), or an error that says what happened in words the model and the person can
/// act on. The function's own error message is passed on; its stack trace is not.
pub fn outcome(answer: &Answer<'_>) -> Outcome {
    let text = String::from_utf8_lossy(answer.body);
    if answer.function_error.is_some() {
        let error: Value = serde_json::from_slice(answer.body).unwrap_or_default();
        let kind = error.get("errorType").and_then(Value::as_str).unwrap_or("Error");
        let message = error.get("errorMessage").and_then(Value::as_str).unwrap_or_default();
        return Outcome::Error(match kind {
            "Function.ResponseSizeTooLarge" => format!(
                "the function's result is larger than Lambda returns from a synchronous call ({} bytes)",
                PAYLOAD_LIMIT
            ),
            _ if message.contains("Task timed out") => {
                format!("the function timed out in Lambda: {}", excerpt(message, 300))
            }
            _ if message.is_empty() => format!("the function failed ({kind})"),
            _ => format!("the function failed ({kind}): {}", excerpt(message, 500)),
        });
    }
    if (200..300).contains(&answer.status) {
        return match serde_json::from_slice::<Value>(answer.body) {
            Ok(value) => Outcome::Success(value),
            Err(_) => Outcome::Error(format!("the function's result is not JSON: {}", excerpt(&text, 200))),
        };
    }
    let name = answer.error_name();
    let named = if name.is_empty() { String::new() } else { format!(" ({name})") };
    Outcome::Error(match (answer.status, name.as_str()) {
        (429, _) | (_, "TooManyRequestsException") => {
            format!("Lambda is throttling the function{named}; try again in a moment")
        }
        (413, _) | (_, "RequestTooLargeException") => format!(
            "the input is larger than Lambda takes in a synchronous call ({PAYLOAD_LIMIT} bytes){named}"
        ),
        (404, _) | (_, "ResourceNotFoundException") => {
            format!("Lambda has no function by the name the deployer declared{named}")
        }
        (401 | 403, _) => format!(
            "the relay is not allowed to invoke the function{named}: its credentials need lambda:InvokeFunction"
        ),
        (status, _) => format!("Lambda could not run the function: HTTP {status}{named}"),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ARN: &str = "arn:aws:lambda:eu-west-1:123456789012:function:forecast";

    #[test]
    fn reads_function_arns_with_and_without_qualifiers() {
        let arn = FunctionArn::parse(ARN).unwrap();
        assert_eq!((arn.region.as_str(), arn.name.as_str()), ("eu-west-1", "forecast"));
        assert_eq!(arn.endpoint(), "https://lambda.eu-west-1.amazonaws.com");
        assert_eq!(
            arn.invoke_path(),
            "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Aforecast/invocations"
        );
        let latest = FunctionArn::parse(&format!("{ARN}:$LATEST")).unwrap();
        assert!(latest.invoke_path().ends_with("%3Aforecast%3A%24LATEST/invocations"));
        let gov =
            FunctionArn::parse("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f:live").unwrap();
        assert_eq!(gov.endpoint(), "https://lambda.us-gov-west-1.amazonaws.com");
        let cn = FunctionArn::parse("arn:aws-cn:lambda:cn-north-1:123456789012:function:f").unwrap();
        assert_eq!(cn.endpoint(), "https://lambda.cn-north-1.amazonaws.com.cn");
    }

    #[test]
    fn refuses_what_is_not_a_function_arn() {
        for bad in [
            "forecast",
            "arn:aws:lambda:eu-west-1:123456789012:forecast",
            "arn:aws:s3:eu-west-1:123456789012:function:forecast",
            "arn:aws:lambda:eu-west-1:12345678901:function:forecast",
            "arn:aws:lambda:west:123456789012:function:forecast",
            "arn:aws:lambda:eu-west-1:123456789012:function:fore/cast",
            "arn:aws:lambda:eu-west-1:123456789012:function:forecast:a:b",
            "arn:aws:lambda:eu-west-1:123456789012:function:forecast:",
            "arn:gcp:lambda:eu-west-1:123456789012:function:forecast",
        ] {
            let error = FunctionArn::parse(bad).unwrap_err();
            assert!(error.starts_with(&format!("{bad:?} is not a Lambda function ARN")), "{error}");
        }
        // Lambda's limit on a name's length is 64.
        assert!(FunctionArn::parse(&format!("{ARN}{}", "x".repeat(64 - 8))).is_ok());
        assert!(FunctionArn::parse(&format!("{ARN}{}", "x".repeat(64 - 8 + 1))).is_err());
    }

    fn answer<'a>(status: u16, function_error: Option<&'a str>, body: &'a str) -> Answer<'a> {
        Answer { status, function_error, error_type: None, body: body.as_bytes() }
    }

    #[test]
    fn a_result_is_json_and_a_string_stays_a_string() {
        assert_eq!(outcome(&answer(200, None, r#"{"t":21}"#)), Outcome::Success(json!({ "t": 21 })));
        assert_eq!(outcome(&answer(200, None, r#""sunny""#)), Outcome::Success(json!("sunny")));
        assert_eq!(
            outcome(&answer(200, None, "sunny, 21 °C")),
            Outcome::Error("the function's result is not JSON: sunny, 21 °C".into())
        );
    }

    #[test]
    fn function_errors_name_what_failed_without_the_stack_trace() {
        let failed = r#"{"errorMessage":"no city named Atlantis","errorType":"ValueError","stackTrace":["  File \"/var/task/app.py\""]}"#;
        assert_eq!(
            outcome(&answer(200, Some("Unhandled"), failed)),
            Outcome::Error("the function failed (ValueError): no city named Atlantis".into())
        );
        let timed_out = r#"{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: 1 Error: Task timed out after 3.00 seconds"}"#;
        assert_eq!(
            outcome(&answer(200, Some("Unhandled"), timed_out)),
            Outcome::Error(
                "the function timed out in Lambda: RequestId: 1 Error: Task timed out after 3.00 seconds"
                    .into()
            )
        );
        let too_big = r#"{"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes)."}"#;
        let Outcome::Error(why) = outcome(&answer(200, Some("Unhandled"), too_big)) else { panic!() };
        assert!(why.starts_with("the function's result is larger than Lambda returns"), "{why}");
    }

    #[test]
    fn lambdas_own_errors_say_what_to_do() {
        let throttled = Answer {
            status: 429,
            function_error: None,
            error_type: Some("TooManyRequestsException"),
            body: br#"{"Type":"User","message":"Rate Exceeded.","Reason":"ReservedFunctionConcurrentInvocationLimitExceeded"}"#,
        };
        assert!(throttled.retryable());
        assert_eq!(
            outcome(&throttled),
            Outcome::Error(
                "Lambda is throttling the function (TooManyRequestsException); try again in a moment".into()
            )
        );
        let missing = Answer {
            status: 404,
            function_error: None,
            error_type: Some("ResourceNotFoundException:http://internal.amazon.com/coral/"),
            body: br#"{"Type":"User","message":"Function not found: arn:aws:lambda:eu-west-1:123456789012:function:x"}"#,
        };
        assert!(!missing.retryable());
        let Outcome::Error(why) = outcome(&missing) else { panic!() };
        assert_eq!(
            why,
            "Lambda has no function by the name the deployer declared (ResourceNotFoundException)"
        );
        let denied = answer(403, None, r#"{"__type":"com.amazon#AccessDeniedException","Message":"no"}"#);
        let Outcome::Error(why) = outcome(&denied) else { panic!() };
        assert!(why.contains("(AccessDeniedException)") && why.contains("lambda:InvokeFunction"), "{why}");
        let large = answer(413, None, r#"{"message":"Request must be smaller than 6291456 bytes"}"#);
        let Outcome::Error(why) = outcome(&large) else { panic!() };
        assert!(why.starts_with("the input is larger than Lambda takes"), "{why}");
        // A failed function is not retried: it ran.
        assert!(!answer(200, Some("Unhandled"), "{}").retryable());
        assert!(answer(502, None, "").retryable());
    }
}
