//! Images, documents, video and audio, and where their bytes come from.

use super::open_enum::open_enum;
use super::{Blob, CitationsConfig};

open_enum! {
    /// `ImageFormat`.
    pub enum ImageFormat {
        /// PNG.
        Png = "png",
        /// JPEG.
        Jpeg = "jpeg",
        /// GIF.
        Gif = "gif",
        /// WebP.
        Webp = "webp",
    }
}

wire_struct! {
    /// An image (`ImageBlock`).
    pub struct ImageBlock {
        /// Its format.
        format: ImageFormat,
        /// Its bytes, or where they are.
        source: ImageSource,
    }
    optional {
        /// Why a generated image failed.
        error: ErrorBlock,
    }
}

open_union! {
    /// Where an image's bytes are (`ImageSource`).
    pub enum ImageSource {
        /// The bytes themselves.
        Bytes(Blob) = "bytes",
        /// An S3 object.
        S3Location(S3Location) = "s3Location",
    }
}

wire_struct! {
    /// An object in Amazon S3 (`S3Location`).
    pub struct S3Location {
        /// `s3://bucket/key`.
        uri: String,
    }
    optional {
        /// The account that owns the bucket.
        bucket_owner: String,
    }
}

wire_struct! {
    /// An error about one block (`ErrorBlock`).
    pub struct ErrorBlock {}
    optional {
        /// What went wrong.
        message: String,
    }
}

open_enum! {
    /// `DocumentFormat`.
    pub enum DocumentFormat {
        /// PDF.
        Pdf = "pdf",
        /// CSV.
        Csv = "csv",
        /// Word 97-2003.
        Doc = "doc",
        /// Word.
        Docx = "docx",
        /// Excel 97-2003.
        Xls = "xls",
        /// Excel.
        Xlsx = "xlsx",
        /// HTML.
        Html = "html",
        /// Plain text.
        Txt = "txt",
        /// Markdown.
        Md = "md",
    }
}

wire_struct! {
    /// A document (`DocumentBlock`).
    pub struct DocumentBlock {
        /// Its name (letters, digits, spaces, hyphens, parentheses, square brackets).
        name: String,
        /// Its content, or where it is.
        source: DocumentSource,
    }
    optional {
        /// Its format.
        format: DocumentFormat,
        /// Context for the model about the document.
        context: String,
        /// Whether the model should cite it.
        citations: CitationsConfig,
    }
}

open_union! {
    /// Where a document's content is (`DocumentSource`).
    pub enum DocumentSource {
        /// The file's bytes.
        Bytes(Blob) = "bytes",
        /// An S3 object.
        S3Location(S3Location) = "s3Location",
        /// Plain text.
        Text(String) = "text",
        /// Structured content blocks.
        Content(Vec<DocumentContentBlock>) = "content",
    }
}

open_union! {
    /// A block of a document's content (`DocumentContentBlock`).
    pub enum DocumentContentBlock {
        /// Text.
        Text(String) = "text",
    }
}

open_enum! {
    /// `VideoFormat`.
    pub enum VideoFormat {
        /// Matroska.
        Mkv = "mkv",
        /// QuickTime.
        Mov = "mov",
        /// MP4.
        Mp4 = "mp4",
        /// WebM.
        Webm = "webm",
        /// Flash video.
        Flv = "flv",
        /// MPEG.
        Mpeg = "mpeg",
        /// MPEG (`.mpg`).
        Mpg = "mpg",
        /// Windows Media.
        Wmv = "wmv",
        /// 3GPP.
        ThreeGp = "three_gp",
    }
}

wire_struct! {
    /// A video (`VideoBlock`).
    pub struct VideoBlock {
        /// Its format.
        format: VideoFormat,
        /// Its bytes, or where they are.
        source: VideoSource,
    }
}

open_union! {
    /// Where a video's bytes are (`VideoSource`).
    pub enum VideoSource {
        /// The bytes themselves.
        Bytes(Blob) = "bytes",
        /// An S3 object.
        S3Location(S3Location) = "s3Location",
    }
}

open_enum! {
    /// `AudioFormat`.
    pub enum AudioFormat {
        /// MP3.
        Mp3 = "mp3",
        /// Opus.
        Opus = "opus",
        /// WAV.
        Wav = "wav",
        /// AAC.
        Aac = "aac",
        /// FLAC.
        Flac = "flac",
        /// MP4 audio.
        Mp4 = "mp4",
        /// Ogg.
        Ogg = "ogg",
        /// Matroska.
        Mkv = "mkv",
        /// Matroska audio.
        Mka = "mka",
        /// AAC (`x-aac`).
        XAac = "x-aac",
        /// M4A.
        M4a = "m4a",
        /// MPEG audio.
        Mpeg = "mpeg",
        /// MPEG audio (`mpga`).
        Mpga = "mpga",
        /// Raw PCM.
        Pcm = "pcm",
        /// WebM audio.
        Webm = "webm",
    }
}

wire_struct! {
    /// Audio (`AudioBlock`).
    pub struct AudioBlock {
        /// Its format.
        format: AudioFormat,
        /// Its bytes, or where they are.
        source: AudioSource,
    }
    optional {
        /// Why generated audio failed.
        error: ErrorBlock,
    }
}

open_union! {
    /// Where audio bytes are (`AudioSource`).
    pub enum AudioSource {
        /// The bytes themselves.
        Bytes(Blob) = "bytes",
        /// An S3 object.
        S3Location(S3Location) = "s3Location",
    }
}
