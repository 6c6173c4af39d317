use serde_json::{Value, json};

use super::*;

const PNG_2X3: &str = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAADCAIAAAA2iEnWAAAAAElFTkSuQmCC";
const PNG_9000X10: &str = "iVBORw0KGgoAAAANSUhEUgAAIygAAAAKCAIAAABWhmLRAAAAAElFTkSuQmCC";

fn check(messages: Value) -> Result<(), String> {
    let request: ConverseRequest = serde_json::from_value(json!({ "messages": messages })).unwrap();
    validate(&request).map_err(|e| {
        assert_eq!(e.kind, ErrorKind::Validation);
        e.message
    })
}

fn user(content: Value) -> Value {
    json!({"role": "user", "content": content})
}

fn image(format: &str, b64: &str) -> Value {
    json!({"image": {"format": format, "source": {"bytes": b64}}})
}

#[test]
fn conversation_shape() {
    assert_eq!(check(json!([])).unwrap_err(), "messages: a conversation needs at least one message");
    assert_eq!(
        check(json!([{"role": "assistant", "content": [{"text": "hi"}]}])).unwrap_err(),
        "messages[0]: a conversation must start with a user message"
    );
    assert_eq!(
        check(json!([user(json!([{"text": "a"}])), user(json!([{"text": "b"}]))])).unwrap_err(),
        "messages[1]: roles must alternate between user and assistant"
    );
    assert_eq!(
        check(json!([user(json!([{"text": " "}]))])).unwrap_err(),
        "messages[0].content[0]: the text is blank"
    );
    assert_eq!(
        check(json!([user(json!([]))])).unwrap_err(),
        "messages[0]: a message needs at least one content block"
    );
    assert!(
        check(json!([user(json!([{"text": "a"}])), {"role": "assistant", "content": [{"text": "b"}]}]))
            .is_ok()
    );
}

#[test]
fn images_only_from_the_user_in_real_formats_sizes_and_numbers() {
    assert!(check(json!([user(json!([{"text": "see"}, image("png", PNG_2X3)]))])).is_ok());
    assert_eq!(
        check(
            json!([user(json!([{"text": "a"}])), {"role": "assistant", "content": [image("png", PNG_2X3)]}])
        )
        .unwrap_err(),
        "messages[1].content[0]: images are only allowed in user messages"
    );
    assert_eq!(
        check(json!([user(json!([image("jpeg", PNG_2X3)]))])).unwrap_err(),
        "messages[0].content[0]: the image is declared jpeg but its bytes are png"
    );
    assert_eq!(
        check(json!([user(json!([image("png", PNG_9000X10)]))])).unwrap_err(),
        "messages[0].content[0]: the image is 9000×10 px; at most 8000×8000 px are allowed"
    );
    assert_eq!(
        check(json!([user(json!([image("bmp", PNG_2X3)]))])).unwrap_err(),
        "messages[0].content[0]: image format bmp is not one of png, jpeg, gif, webp"
    );
    assert!(
        check(json!([user(json!([image("png", "AAAA")]))]))
            .unwrap_err()
            .ends_with("the bytes are not a png image")
    );
    let big =
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, vec![0u8; MAX_IMAGE_BYTES + 1]);
    assert!(check(json!([user(json!([image("png", &big)]))])).unwrap_err().contains("the limit is 3.75 MB"));
    let many: Vec<Value> = (0..21).map(|_| image("png", PNG_2X3)).collect();
    assert_eq!(
        check(json!([user(Value::Array(many))])).unwrap_err(),
        "messages: 21 images; at most 20 are allowed"
    );
}

fn document(name: &str) -> Value {
    json!({"document": {"name": name, "format": "txt", "source": {"bytes": "aGVsbG8="}}})
}

#[test]
fn documents_need_a_good_name_a_text_block_and_the_user() {
    assert!(check(json!([user(json!([{"text": "read"}, document("Report (final) [v2]")]))])).is_ok());
    assert_eq!(
        check(json!([user(json!([document("notes")]))])).unwrap_err(),
        "messages[0].content[0]: a message with a document also needs a text block"
    );
    assert!(
        check(json!([user(json!([{"text": "read"}, document("report.pdf")]))]))
            .unwrap_err()
            .contains("may only contain")
    );
    assert!(
        check(json!([user(json!([{"text": "read"}, document("two  spaces")]))]))
            .unwrap_err()
            .contains("consecutive")
    );
    let six: Vec<Value> =
        std::iter::once(json!({"text": "read"})).chain((0..6).map(|i| document(&format!("d{i}")))).collect();
    assert_eq!(
        check(json!([user(Value::Array(six))])).unwrap_err(),
        "messages: 6 documents; at most 5 are allowed"
    );
}

#[test]
fn tool_results_answer_the_previous_turns_tool_uses() {
    let asked = json!({"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1", "name": "calc", "input": {}}}]});
    let answer = |id: &str| user(json!([{"toolResult": {"toolUseId": id, "content": [{"text": "4"}]}}]));
    assert!(check(json!([user(json!([{"text": "2+2?"}])), asked, answer("t1")])).is_ok());
    assert_eq!(
        check(json!([user(json!([{"text": "2+2?"}])), asked, answer("t9")])).unwrap_err(),
        "messages[2].content[0]: tool result \"t9\" answers no toolUse of the previous assistant message"
    );
    assert_eq!(
        check(json!([user(json!([{"text": "2+2?"}])), asked, user(json!([{"text": "well?"}]))])).unwrap_err(),
        "messages[2]: expected a toolResult for toolUse \"t1\""
    );
}

#[test]
fn parameters_stay_in_the_apis_ranges() {
    let with = |extra: Value| {
        let mut body = json!({"messages": [user(json!([{"text": "hi"}]))]});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let request: ConverseRequest = serde_json::from_value(body).unwrap();
        validate(&request).map_err(|e| e.message)
    };
    assert!(with(json!({"inferenceConfig": {"temperature": 0.0, "topP": 1.0, "maxTokens": 1}})).is_ok());
    assert_eq!(
        with(json!({"inferenceConfig": {"temperature": 1.5}})).unwrap_err(),
        "inferenceConfig.temperature: 1.5 is not between 0 and 1"
    );
    assert_eq!(
        with(json!({"inferenceConfig": {"topP": -0.1}})).unwrap_err(),
        "inferenceConfig.topP: -0.1 is not between 0 and 1"
    );
    assert_eq!(
        with(json!({"inferenceConfig": {"maxTokens": 0}})).unwrap_err(),
        "inferenceConfig.maxTokens: must be at least 1"
    );
    assert_eq!(
        with(json!({"inferenceConfig": {"stopSequences": ["", "x"]}})).unwrap_err(),
        "inferenceConfig.stopSequences: a stop sequence may not be empty"
    );
    assert_eq!(
        with(json!({"additionalModelRequestFields": [1]})).unwrap_err(),
        "additionalModelRequestFields: must be a JSON object"
    );
    assert!(with(json!({"additionalModelRequestFields": {"top_k": 5}})).is_ok());
    assert!(with(json!({"projectIdentifier": "default"})).is_ok());
    assert!(with(json!({"projectIdentifier": "arn:aws:bedrock:us-east-1:123456789012:project/p1"})).is_ok());
    assert!(with(json!({"projectIdentifier": "my project"})).unwrap_err().starts_with("projectIdentifier: "));
}

#[test]
fn attached_files_become_bedrock_blocks_or_clear_errors() {
    // The smallest valid PNG (1×1).
    let png = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
    )
    .unwrap();
    match attachment("photo.PNG", "image/png", png.clone()).unwrap() {
        ContentBlock::Image(i) => assert_eq!(i.format, ImageFormat::Png),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        attachment("fake.jpg", "image/jpeg", png.clone()).unwrap_err(),
        "fake.jpg: the image is declared jpeg but its bytes are png"
    );
    assert!(attachment("big.png", "image/png", vec![0; 3_800_000]).unwrap_err().contains("limit is 3.75 MB"));
    assert!(attachment("x.bmp", "image/bmp", vec![1]).unwrap_err().contains("png, jpeg, gif or webp"));
    match attachment("Q3 report: final (v2).pdf", "application/pdf", b"%PDF-1.4".to_vec()).unwrap() {
        ContentBlock::Document(d) => {
            assert_eq!(d.name, "Q3 report final (v2)");
            assert_eq!(d.format, Some(DocumentFormat::Pdf));
            assert!(document_name_problem(&d.name).is_none());
        }
        other => panic!("{other:?}"),
    }
    assert!(attachment("big.pdf", "", vec![1; 4_600_000]).unwrap_err().contains("limit is 4.5 MB"));
    assert!(attachment("run.exe", "", vec![1]).unwrap_err().contains("only images"));
    assert_eq!(document_name("..."), "document");
    assert_eq!(document_name("a__b  c.txt"), "a b c");
}

#[test]
fn videos_and_recordings_are_told_apart_by_type_then_extension() {
    let format = |name: &str, mime: &str| match attachment(name, mime, vec![0; 10]).unwrap() {
        ContentBlock::Video(v) => format!("video {}", v.format),
        ContentBlock::Audio(a) => format!("audio {}", a.format),
        other => panic!("{other:?}"),
    };
    assert_eq!(format("clip.mp4", "video/mp4"), "video mp4");
    assert_eq!(format("clip.MOV", ""), "video mov");
    assert_eq!(format("phone.3gp", "video/3gpp"), "video three_gp");
    assert_eq!(format("talk.webm", ""), "video webm");
    assert_eq!(format("talk.webm", "audio/webm"), "audio webm");
    assert_eq!(format("memo.m4a", "audio/x-m4a"), "audio m4a");
    assert_eq!(format("song.mp3", "audio/mpeg"), "audio mp3");
    assert_eq!(format("take.wav", ""), "audio wav");
    assert!(attachment("clip.avi", "video/x-msvideo", vec![1]).unwrap_err().contains("videos must be mp4"));
    assert!(attachment("memo.amr", "audio/amr", vec![1]).unwrap_err().contains("recordings mp3"));
    assert_eq!(attachment("clip.mp4", "video/mp4", Vec::new()).unwrap_err(), "clip.mp4: the file is empty");
}

#[test]
fn media_by_bytes_stays_under_25_mb_encoded_and_one_video_per_request() {
    // `VideoSource`: bytes "as long as the encoded file is less than 25MB".
    assert!(base64_len(MAX_MEDIA_BYTES) < 25_000_000);
    assert!(base64_len(MAX_MEDIA_BYTES + 1) >= 25_000_000);
    assert!(attachment("clip.mp4", "video/mp4", vec![0; MAX_MEDIA_BYTES]).is_ok());
    let over = attachment("clip.mp4", "video/mp4", vec![0; MAX_MEDIA_BYTES + 1]).unwrap_err();
    assert_eq!(
        over,
        "clip.mp4: the video is 18.7 MB; at most 18.75 MB go with a message (25 MB once encoded), larger ones by S3"
    );
    let b64 = |n: usize| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, vec![0u8; n]);
    let video = |n: usize| json!({"video": {"format": "mp4", "source": {"bytes": b64(n)}}});
    let audio = |n: usize| json!({"audio": {"format": "mp3", "source": {"bytes": b64(n)}}});
    assert!(check(json!([user(json!([{"text": "see"}, video(3), audio(3)]))])).is_ok());
    assert!(
        check(json!([user(json!([{"text": "hear"}, audio(MAX_MEDIA_BYTES + 1)]))]))
            .unwrap_err()
            .starts_with("messages[0].content[1]: the recording is 18.7 MB")
    );
    // "Amazon Nova models allow you to include a single video in the payload."
    let s3 = json!({"video": {"format": "mp4", "source": {"s3Location": {"uri": "s3://b/k.mp4"}}}});
    assert_eq!(
        check(json!([
            user(json!([{"text": "one"}, video(3)])),
            {"role": "assistant", "content": [{"text": "seen"}]},
            user(json!([{"text": "two"}, s3])),
        ]))
        .unwrap_err(),
        "messages: 2 videos; at most 1 is allowed"
    );
}

#[test]
fn guardrails_are_named_as_bedrocks_model_says() {
    for (id, version) in [
        ("gr1abc2def3", "1"),
        ("abc", "DRAFT"),
        ("abc", "12345678"),
        ("arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123", "2"),
        ("arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:guardrail/x9", "1"),
    ] {
        assert_eq!(guardrail_problem(id, version), None, "{id} {version}");
    }
    for (id, version) in [
        ("", "1"),
        ("My Guardrail", "1"),
        ("gr-enforced", "1"),
        ("arn:aws:bedrock:us-east-1:12345:guardrail/abc", "1"),
        ("arn:aws:s3:us-east-1:123456789012:guardrail/abc", "1"),
        ("abc", "0"),
        ("abc", "draft"),
        ("abc", "123456789"),
        ("abc", ""),
    ] {
        assert!(guardrail_problem(id, version).is_some(), "{id:?} {version:?}");
    }
}

#[test]
fn at_most_four_cache_checkpoints_in_a_request() {
    let point = json!({"cachePoint": {"type": "default"}});
    let turn = |n: usize| {
        let mut content = vec![json!({"text": "a"})];
        content.extend(std::iter::repeat_n(point.clone(), n));
        user(Value::Array(content))
    };
    assert!(check(json!([turn(4)])).is_ok());
    assert_eq!(
        check(json!([turn(5)])).unwrap_err(),
        "cachePoint: 5 cache checkpoints; at most 4 are allowed"
    );
}

#[test]
fn a_file_in_s3_becomes_the_block_that_names_it() {
    let uri = "s3://my-videos/talks/keynote.MP4";
    match s3_attachment(uri).unwrap() {
        ContentBlock::Video(v) => {
            assert_eq!(v.format, VideoFormat::Mp4);
            assert!(matches!(v.source, VideoSource::S3Location(ref l) if l.uri == uri));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(s3_attachment(" s3://docs.example/q3 report.pdf ").unwrap(), ContentBlock::Document(d) if d.name == "q3 report")
    );
    assert!(matches!(s3_attachment("s3://bucket/a/photo.png").unwrap(), ContentBlock::Image(_)));
    // Bedrock's S3Uri pattern: a bucket of 3 to 63 lower-case letters, digits, dots and hyphens.
    for bad in ["https://bucket/x.mp4", "s3://Bucket/x.mp4", "s3://ab/x.mp4", "s3://bucket", "s3://bucket/"] {
        assert!(s3_attachment(bad).unwrap_err().contains("not an S3 URI"), "{bad}");
    }
    assert!(s3_attachment("s3://bucket/run.exe").unwrap_err().starts_with("run.exe: only images"));
}
