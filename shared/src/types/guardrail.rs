//! What a guardrail found: the `trace.guardrail` of a response or a stream's `metadata`.

use std::collections::BTreeMap;

use super::open_enum::open_enum;

wire_struct! {
    /// A guardrail's trace (`GuardrailTraceAssessment`).
    pub struct GuardrailTraceAssessment {}
    optional {
        /// The model's output before the guardrail acted.
        model_output: Vec<String>,
        /// Assessments of the input, by guardrail id.
        input_assessment: BTreeMap<String, GuardrailAssessment>,
        /// Assessments of the output, by guardrail id.
        output_assessments: BTreeMap<String, Vec<GuardrailAssessment>>,
        /// Why it acted.
        action_reason: String,
    }
}

wire_struct! {
    /// One guardrail's assessment (`GuardrailAssessment`).
    pub struct GuardrailAssessment {}
    optional {
        /// Denied topics.
        topic_policy: GuardrailTopicPolicyAssessment,
        /// Content filters.
        content_policy: GuardrailContentPolicyAssessment,
        /// Word filters.
        word_policy: GuardrailWordPolicyAssessment,
        /// Sensitive information filters.
        sensitive_information_policy: GuardrailSensitiveInformationPolicyAssessment,
        /// Contextual grounding checks.
        contextual_grounding_policy: GuardrailContextualGroundingPolicyAssessment,
        /// Automated reasoning checks.
        automated_reasoning_policy: GuardrailAutomatedReasoningPolicyAssessment,
        /// What the assessment cost.
        invocation_metrics: GuardrailInvocationMetrics,
        /// Which guardrail this was.
        applied_guardrail_details: AppliedGuardrailDetails,
    }
}

open_enum! {
    /// What a policy did (`GuardrailTopicPolicyAction`, `GuardrailContentPolicyAction`,
    /// `GuardrailWordPolicyAction`, `GuardrailContextualGroundingPolicyAction`).
    pub enum GuardrailPolicyAction {
        /// It blocked the content.
        Blocked = "BLOCKED",
        /// It let it through.
        None = "NONE",
    }
}

open_enum! {
    /// `GuardrailTopicType`.
    pub enum GuardrailTopicType {
        /// A denied topic.
        Deny = "DENY",
    }
}

wire_struct! {
    /// Denied-topic findings (`GuardrailTopicPolicyAssessment`).
    pub struct GuardrailTopicPolicyAssessment {
        /// The topics found.
        topics: Vec<GuardrailTopic>,
    }
}

wire_struct! {
    /// A denied topic found (`GuardrailTopic`).
    pub struct GuardrailTopic {
        /// Its name.
        name: String,
        /// Its kind.
        r#type: GuardrailTopicType,
        /// What was done.
        action: GuardrailPolicyAction,
    }
    optional {
        /// Whether it was detected.
        detected: bool,
    }
}

open_enum! {
    /// `GuardrailContentFilterType`.
    pub enum GuardrailContentFilterType {
        /// Insults.
        Insults = "INSULTS",
        /// Hate.
        Hate = "HATE",
        /// Sexual content.
        Sexual = "SEXUAL",
        /// Violence.
        Violence = "VIOLENCE",
        /// Misconduct.
        Misconduct = "MISCONDUCT",
        /// Prompt attacks.
        PromptAttack = "PROMPT_ATTACK",
    }
}

open_enum! {
    /// A level (`GuardrailContentFilterConfidence`, `GuardrailContentFilterStrength`).
    pub enum GuardrailLevel {
        /// None.
        None = "NONE",
        /// Low.
        Low = "LOW",
        /// Medium.
        Medium = "MEDIUM",
        /// High.
        High = "HIGH",
    }
}

wire_struct! {
    /// Content-filter findings (`GuardrailContentPolicyAssessment`).
    pub struct GuardrailContentPolicyAssessment {
        /// The filters that matched.
        filters: Vec<GuardrailContentFilter>,
    }
}

wire_struct! {
    /// A content filter that matched (`GuardrailContentFilter`).
    pub struct GuardrailContentFilter {
        /// Which filter.
        r#type: GuardrailContentFilterType,
        /// How sure it is.
        confidence: GuardrailLevel,
        /// What was done.
        action: GuardrailPolicyAction,
    }
    optional {
        /// How strict the filter is.
        filter_strength: GuardrailLevel,
        /// Whether it was detected.
        detected: bool,
    }
}

wire_struct! {
    /// Word-filter findings (`GuardrailWordPolicyAssessment`).
    pub struct GuardrailWordPolicyAssessment {
        /// Custom words found.
        custom_words: Vec<GuardrailCustomWord>,
        /// Managed-list words found.
        managed_word_lists: Vec<GuardrailManagedWord>,
    }
}

wire_struct! {
    /// A custom word found (`GuardrailCustomWord`).
    pub struct GuardrailCustomWord {
        /// The word.
        r#match: String,
        /// What was done.
        action: GuardrailPolicyAction,
    }
    optional {
        /// Whether it was detected.
        detected: bool,
    }
}

open_enum! {
    /// `GuardrailManagedWordType`.
    pub enum GuardrailManagedWordType {
        /// Profanity.
        Profanity = "PROFANITY",
    }
}

wire_struct! {
    /// A managed-list word found (`GuardrailManagedWord`).
    pub struct GuardrailManagedWord {
        /// The word.
        r#match: String,
        /// Which list.
        r#type: GuardrailManagedWordType,
        /// What was done.
        action: GuardrailPolicyAction,
    }
    optional {
        /// Whether it was detected.
        detected: bool,
    }
}

open_enum! {
    /// What a sensitive-information filter did (`GuardrailSensitiveInformationPolicyAction`).
    pub enum GuardrailSensitiveInformationPolicyAction {
        /// It masked the information.
        Anonymized = "ANONYMIZED",
        /// It blocked the content.
        Blocked = "BLOCKED",
        /// It let it through.
        None = "NONE",
    }
}

open_enum! {
    /// Kinds of personal information (`GuardrailPiiEntityType`).
    pub enum GuardrailPiiEntityType {
        /// A postal address.
        Address = "ADDRESS",
        /// An age.
        Age = "AGE",
        /// An AWS access key.
        AwsAccessKey = "AWS_ACCESS_KEY",
        /// An AWS secret key.
        AwsSecretKey = "AWS_SECRET_KEY",
        /// A Canadian health number.
        CaHealthNumber = "CA_HEALTH_NUMBER",
        /// A Canadian social insurance number.
        CaSocialInsuranceNumber = "CA_SOCIAL_INSURANCE_NUMBER",
        /// A card verification value.
        CreditDebitCardCvv = "CREDIT_DEBIT_CARD_CVV",
        /// A card expiry date.
        CreditDebitCardExpiry = "CREDIT_DEBIT_CARD_EXPIRY",
        /// A card number.
        CreditDebitCardNumber = "CREDIT_DEBIT_CARD_NUMBER",
        /// A driver's licence id.
        DriverId = "DRIVER_ID",
        /// An email address.
        Email = "EMAIL",
        /// An IBAN.
        InternationalBankAccountNumber = "INTERNATIONAL_BANK_ACCOUNT_NUMBER",
        /// An IP address.
        IpAddress = "IP_ADDRESS",
        /// A licence plate.
        LicensePlate = "LICENSE_PLATE",
        /// A MAC address.
        MacAddress = "MAC_ADDRESS",
        /// A name.
        Name = "NAME",
        /// A password.
        Password = "PASSWORD",
        /// A phone number.
        Phone = "PHONE",
        /// A PIN.
        Pin = "PIN",
        /// A SWIFT code.
        SwiftCode = "SWIFT_CODE",
        /// A UK NHS number.
        UkNationalHealthServiceNumber = "UK_NATIONAL_HEALTH_SERVICE_NUMBER",
        /// A UK national insurance number.
        UkNationalInsuranceNumber = "UK_NATIONAL_INSURANCE_NUMBER",
        /// A UK unique taxpayer reference.
        UkUniqueTaxpayerReferenceNumber = "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER",
        /// A URL.
        Url = "URL",
        /// A user name.
        Username = "USERNAME",
        /// A US bank account number.
        UsBankAccountNumber = "US_BANK_ACCOUNT_NUMBER",
        /// A US bank routing number.
        UsBankRoutingNumber = "US_BANK_ROUTING_NUMBER",
        /// A US individual taxpayer id.
        UsIndividualTaxIdentificationNumber = "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
        /// A US passport number.
        UsPassportNumber = "US_PASSPORT_NUMBER",
        /// A US social security number.
        UsSocialSecurityNumber = "US_SOCIAL_SECURITY_NUMBER",
        /// A vehicle identification number.
        VehicleIdentificationNumber = "VEHICLE_IDENTIFICATION_NUMBER",
    }
}

wire_struct! {
    /// Sensitive-information findings (`GuardrailSensitiveInformationPolicyAssessment`).
    pub struct GuardrailSensitiveInformationPolicyAssessment {
        /// Personal information found.
        pii_entities: Vec<GuardrailPiiEntityFilter>,
        /// Regular expressions that matched.
        regexes: Vec<GuardrailRegexFilter>,
    }
}

wire_struct! {
    /// Personal information found (`GuardrailPiiEntityFilter`).
    pub struct GuardrailPiiEntityFilter {
        /// What matched.
        r#match: String,
        /// What kind.
        r#type: GuardrailPiiEntityType,
        /// What was done.
        action: GuardrailSensitiveInformationPolicyAction,
    }
    optional {
        /// Whether it was detected.
        detected: bool,
    }
}

wire_struct! {
    /// A regular expression that matched (`GuardrailRegexFilter`).
    pub struct GuardrailRegexFilter {
        /// What was done.
        action: GuardrailSensitiveInformationPolicyAction,
    }
    optional {
        /// The filter's name.
        name: String,
        /// What matched.
        r#match: String,
        /// The expression.
        regex: String,
        /// Whether it was detected.
        detected: bool,
    }
}

open_enum! {
    /// `GuardrailContextualGroundingFilterType`.
    pub enum GuardrailContextualGroundingFilterType {
        /// Grounding in the source.
        Grounding = "GROUNDING",
        /// Relevance to the query.
        Relevance = "RELEVANCE",
    }
}

wire_struct! {
    /// Contextual grounding findings (`GuardrailContextualGroundingPolicyAssessment`).
    pub struct GuardrailContextualGroundingPolicyAssessment {}
    optional {
        /// The checks.
        filters: Vec<GuardrailContextualGroundingFilter>,
    }
}

wire_struct! {
    /// One grounding check (`GuardrailContextualGroundingFilter`).
    pub struct GuardrailContextualGroundingFilter {
        /// Which check.
        r#type: GuardrailContextualGroundingFilterType,
        /// The threshold, 0 to 1.
        threshold: f64,
        /// The score, 0 to 1.
        score: f64,
        /// What was done.
        action: GuardrailPolicyAction,
    }
    optional {
        /// Whether it was detected.
        detected: bool,
    }
}

wire_struct! {
    /// Automated reasoning findings (`GuardrailAutomatedReasoningPolicyAssessment`).
    pub struct GuardrailAutomatedReasoningPolicyAssessment {}
    optional {
        /// The findings.
        findings: Vec<GuardrailAutomatedReasoningFinding>,
    }
}

open_union! {
    /// One automated reasoning finding (`GuardrailAutomatedReasoningFinding`).
    pub enum GuardrailAutomatedReasoningFinding {
        /// The claims follow from the premises.
        Valid(GuardrailAutomatedReasoningValidFinding) = "valid",
        /// The claims contradict the rules.
        Invalid(GuardrailAutomatedReasoningInvalidFinding) = "invalid",
        /// The claims may or may not hold.
        Satisfiable(GuardrailAutomatedReasoningSatisfiableFinding) = "satisfiable",
        /// The premises contradict each other.
        Impossible(GuardrailAutomatedReasoningImpossibleFinding) = "impossible",
        /// The input can be read several ways.
        TranslationAmbiguous(GuardrailAutomatedReasoningTranslationAmbiguousFinding) = "translationAmbiguous",
        /// The input is too complex to check.
        TooComplex(GuardrailAutomatedReasoningEmptyFinding) = "tooComplex",
        /// Nothing in the input could be checked.
        NoTranslations(GuardrailAutomatedReasoningEmptyFinding) = "noTranslations",
    }
}

wire_struct! {
    /// A finding with no detail (`...TooComplexFinding`, `...NoTranslationsFinding`).
    pub struct GuardrailAutomatedReasoningEmptyFinding {}
}

wire_struct! {
    /// `GuardrailAutomatedReasoningValidFinding`.
    pub struct GuardrailAutomatedReasoningValidFinding {}
    optional {
        /// The input as logic.
        translation: GuardrailAutomatedReasoningTranslation,
        /// A scenario where the claims hold.
        claims_true_scenario: GuardrailAutomatedReasoningScenario,
        /// The rules that support them.
        supporting_rules: Vec<GuardrailAutomatedReasoningRule>,
        /// A warning about the logic.
        logic_warning: GuardrailAutomatedReasoningLogicWarning,
    }
}

wire_struct! {
    /// `GuardrailAutomatedReasoningInvalidFinding` and `...ImpossibleFinding`.
    pub struct GuardrailAutomatedReasoningInvalidFinding {}
    optional {
        /// The input as logic.
        translation: GuardrailAutomatedReasoningTranslation,
        /// The rules it contradicts.
        contradicting_rules: Vec<GuardrailAutomatedReasoningRule>,
        /// A warning about the logic.
        logic_warning: GuardrailAutomatedReasoningLogicWarning,
    }
}

/// `GuardrailAutomatedReasoningImpossibleFinding` (same members as the invalid finding).
pub type GuardrailAutomatedReasoningImpossibleFinding = GuardrailAutomatedReasoningInvalidFinding;

wire_struct! {
    /// `GuardrailAutomatedReasoningSatisfiableFinding`.
    pub struct GuardrailAutomatedReasoningSatisfiableFinding {}
    optional {
        /// The input as logic.
        translation: GuardrailAutomatedReasoningTranslation,
        /// A scenario where the claims hold.
        claims_true_scenario: GuardrailAutomatedReasoningScenario,
        /// A scenario where they do not.
        claims_false_scenario: GuardrailAutomatedReasoningScenario,
        /// A warning about the logic.
        logic_warning: GuardrailAutomatedReasoningLogicWarning,
    }
}

wire_struct! {
    /// `GuardrailAutomatedReasoningTranslationAmbiguousFinding`.
    pub struct GuardrailAutomatedReasoningTranslationAmbiguousFinding {}
    optional {
        /// The possible readings.
        options: Vec<GuardrailAutomatedReasoningTranslationOption>,
        /// Scenarios where the readings differ.
        difference_scenarios: Vec<GuardrailAutomatedReasoningScenario>,
    }
}

wire_struct! {
    /// One possible reading (`GuardrailAutomatedReasoningTranslationOption`).
    pub struct GuardrailAutomatedReasoningTranslationOption {}
    optional {
        /// Its translations.
        translations: Vec<GuardrailAutomatedReasoningTranslation>,
    }
}

wire_struct! {
    /// The input as logic (`GuardrailAutomatedReasoningTranslation`).
    pub struct GuardrailAutomatedReasoningTranslation {}
    optional {
        /// The premises.
        premises: Vec<GuardrailAutomatedReasoningStatement>,
        /// The claims.
        claims: Vec<GuardrailAutomatedReasoningStatement>,
        /// Premises that could not be translated.
        untranslated_premises: Vec<GuardrailAutomatedReasoningInputTextReference>,
        /// Claims that could not be translated.
        untranslated_claims: Vec<GuardrailAutomatedReasoningInputTextReference>,
        /// How sure the translation is, 0 to 1.
        confidence: f64,
    }
}

wire_struct! {
    /// A statement (`GuardrailAutomatedReasoningStatement`).
    pub struct GuardrailAutomatedReasoningStatement {}
    optional {
        /// As logic.
        logic: String,
        /// In words.
        natural_language: String,
    }
}

wire_struct! {
    /// Input text that was not translated (`GuardrailAutomatedReasoningInputTextReference`).
    pub struct GuardrailAutomatedReasoningInputTextReference {}
    optional {
        /// The text.
        text: String,
    }
}

wire_struct! {
    /// A scenario (`GuardrailAutomatedReasoningScenario`).
    pub struct GuardrailAutomatedReasoningScenario {}
    optional {
        /// Its statements.
        statements: Vec<GuardrailAutomatedReasoningStatement>,
    }
}

wire_struct! {
    /// A policy rule (`GuardrailAutomatedReasoningRule`).
    pub struct GuardrailAutomatedReasoningRule {}
    optional {
        /// Its id.
        identifier: String,
        /// The policy version it belongs to.
        policy_version_arn: String,
    }
}

open_enum! {
    /// `GuardrailAutomatedReasoningLogicWarningType`.
    pub enum GuardrailAutomatedReasoningLogicWarningType {
        /// The statements are always false.
        AlwaysFalse = "ALWAYS_FALSE",
        /// The statements are always true.
        AlwaysTrue = "ALWAYS_TRUE",
    }
}

wire_struct! {
    /// A warning about the logic (`GuardrailAutomatedReasoningLogicWarning`).
    pub struct GuardrailAutomatedReasoningLogicWarning {}
    optional {
        /// Which warning.
        r#type: GuardrailAutomatedReasoningLogicWarningType,
        /// The premises concerned.
        premises: Vec<GuardrailAutomatedReasoningStatement>,
        /// The claims concerned.
        claims: Vec<GuardrailAutomatedReasoningStatement>,
    }
}

wire_struct! {
    /// What an assessment cost (`GuardrailInvocationMetrics`).
    pub struct GuardrailInvocationMetrics {}
    optional {
        /// Milliseconds spent.
        guardrail_processing_latency: u64,
        /// Units used per policy.
        usage: GuardrailUsage,
        /// How much of the content was checked.
        guardrail_coverage: GuardrailCoverage,
    }
}

wire_struct! {
    /// Units used per policy (`GuardrailUsage`).
    pub struct GuardrailUsage {
        /// Denied topics.
        topic_policy_units: u32,
        /// Content filters.
        content_policy_units: u32,
        /// Word filters.
        word_policy_units: u32,
        /// Sensitive information filters.
        sensitive_information_policy_units: u32,
        /// Free sensitive information units.
        sensitive_information_policy_free_units: u32,
        /// Contextual grounding.
        contextual_grounding_policy_units: u32,
    }
    optional {
        /// Image content filters.
        content_policy_image_units: u32,
        /// Automated reasoning.
        automated_reasoning_policy_units: u32,
        /// Automated reasoning policies run.
        automated_reasoning_policies: u32,
    }
}

wire_struct! {
    /// How much of the content was checked (`GuardrailCoverage`).
    pub struct GuardrailCoverage {}
    optional {
        /// Text characters.
        text_characters: GuardrailGuardedCount,
        /// Images.
        images: GuardrailGuardedCount,
    }
}

wire_struct! {
    /// Checked of total (`GuardrailTextCharactersCoverage`, `GuardrailImageCoverage`).
    pub struct GuardrailGuardedCount {}
    optional {
        /// How many were checked.
        guarded: u32,
        /// How many there were.
        total: u32,
    }
}

open_enum! {
    /// Where a guardrail came from (`GuardrailOrigin`).
    pub enum GuardrailOrigin {
        /// The request named it.
        Request = "REQUEST",
        /// The account enforces it.
        AccountEnforced = "ACCOUNT_ENFORCED",
        /// The organisation enforces it.
        OrganizationEnforced = "ORGANIZATION_ENFORCED",
    }
}

open_enum! {
    /// Who owns a guardrail (`GuardrailOwnership`).
    pub enum GuardrailOwnership {
        /// This account.
        SelfOwned = "SELF",
        /// Another account.
        CrossAccount = "CROSS_ACCOUNT",
    }
}

wire_struct! {
    /// Which guardrail assessed (`AppliedGuardrailDetails`).
    pub struct AppliedGuardrailDetails {}
    optional {
        /// Its id.
        guardrail_id: String,
        /// Its version.
        guardrail_version: String,
        /// Its ARN.
        guardrail_arn: String,
        /// Where it came from.
        guardrail_origin: Vec<GuardrailOrigin>,
        /// Who owns it.
        guardrail_ownership: GuardrailOwnership,
    }
}
