// Package awssns is the adapter for Amazon SNS Publish (providers.md A16):
// AWS Query protocol signed with Signature Version 4.
//
// Base URL convention: none — the endpoint is https://sns.<region>.amazonaws.com
// from the region setting, unless the endpoint setting overrides it (VPC
// endpoint, LocalStack).
package awssns

import (
	"context"
	"net/http"
	"strings"

	"ihub/internal/provider"
)

// ID is the provider id.
const ID = "aws_sns"

// Field keys.
const (
	FieldRegion          = "region"
	FieldAccessKeyID     = "accessKeyId"
	FieldSecretAccessKey = "secretAccessKey"
	FieldSessionToken    = "sessionToken"
	FieldTopicArn        = "topicArn"
	FieldEndpoint        = "endpoint"
)

// Provider is the Amazon SNS adapter. It is stateless and safe for
// concurrent use.
type Provider struct{}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.Checker      = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
)

// New returns the Amazon SNS provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Amazon SNS. There is no credential-injecting proxy:
// requests must be signed whole with SigV4.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Amazon SNS",
		Category: provider.CategorySMS,
		Description: "Publish alerts to an Amazon SNS topic or send SMS directly to phone numbers, signed " +
			"with AWS Signature Version 4.",
		AuthKind: provider.AuthAWSSigV4,
		BaseURL:  provider.UsageNone,
		Username: provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:         FieldRegion,
				Label:       "Region",
				Type:        provider.FieldString,
				Required:    true,
				Default:     "us-east-1",
				Help:        "The AWS region of the topic (and of SMS sending), e.g. eu-west-1 or af-south-1.",
				Placeholder: "eu-west-1",
			},
			{
				Key:       FieldAccessKeyID,
				Label:     "Access key ID",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "An IAM user's access key (IAM » Users » Security credentials » Create access key) whose " +
					"policy allows sns:Publish, and sns:GetTopicAttributes on the topic (or sns:GetSMSAttributes when no topic " +
					"is set) for the connection test.",
				Placeholder: "AKIA…",
			},
			{
				Key:       FieldSecretAccessKey,
				Label:     "Secret access key",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help:      "Shown once with the access key ID when the key is created.",
			},
			{
				Key:       FieldSessionToken,
				Label:     "Session token",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help:      "Only for temporary credentials (STS); sent as X-Amz-Security-Token. Leave empty for an IAM user's key.",
			},
			{
				Key:   FieldTopicArn,
				Label: "Topic ARN",
				Type:  provider.FieldString,
				Help: "The topic alerts are published to, arn:aws:sns:<region>:<account>:<name> (SNS » Topics); the " +
					"connection test reads its attributes. Leave empty to send SMS to phone numbers only; the test then " +
					"reads the account's SMS settings (GetSMSAttributes).",
			},
			{
				Key:   FieldEndpoint,
				Label: "Endpoint override",
				Type:  provider.FieldURL,
				Help:  "Optional: a VPC interface endpoint or LocalStack URL. Empty means https://sns.<region>.amazonaws.com.",
			},
		},
		Capabilities: []provider.Capability{provider.CapTest, provider.CapNotify, provider.CapActions},
		DocsURL:      "https://docs.aws.amazon.com/sns/latest/api/welcome.html",
		TestCall:     "POST / Action=GetTopicAttributes (or GetSMSAttributes without a topic)",
	}
}

// Test proves the credentials with a read-only, signed call: with a topic
// ARN, GetTopicAttributes on it (proving the key, its permissions and the
// topic); without one, GetSMSAttributes (the account's SMS settings). It
// never publishes. Details: "region", and "topicArn", "displayName",
// "subscriptionsConfirmed", "owner" for a topic, or "defaultSMSType",
// "monthlySpendLimit", "defaultSenderId" for SMS settings when set.
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := p.client(hc, c)
	if err != nil {
		return provider.TestResult{}, err
	}
	details := map[string]any{"region": cl.Region()}
	if arn := strings.TrimSpace(c.Setting(FieldTopicArn, "")); arn != "" {
		if err := checkTopicArn(arn, cl.Region()); err != nil {
			return provider.TestResult{}, err
		}
		attrs, err := cl.GetTopicAttributes(ctx, arn)
		if err != nil {
			return provider.TestResult{}, err
		}
		details["topicArn"] = arn
		putIf(details, "displayName", attrs["DisplayName"])
		putIf(details, "subscriptionsConfirmed", attrs["SubscriptionsConfirmed"])
		putIf(details, "owner", attrs["Owner"])
		name := arn[strings.LastIndex(arn, ":")+1:]
		return provider.TestResult{
			Message: "Connected to Amazon SNS in " + cl.Region() + ", topic " + name,
			Details: details,
		}, nil
	}
	attrs, err := cl.GetSMSAttributes(ctx)
	if err != nil {
		return provider.TestResult{}, err
	}
	putIf(details, "defaultSMSType", attrs["DefaultSMSType"])
	putIf(details, "monthlySpendLimit", attrs["MonthlySpendLimit"])
	putIf(details, "defaultSenderId", attrs["DefaultSenderID"])
	return provider.TestResult{
		Message: "Connected to Amazon SNS in " + cl.Region() + " (SMS settings readable)",
		Details: details,
	}, nil
}

// checkTopicArn refuses a malformed topic ARN, or one in another region
// than the region setting (SNS would only answer with a vaguer error).
func checkTopicArn(arn, region string) error {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sns" || parts[5] == "" {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the topic ARN must look like arn:aws:sns:<region>:<account>:<name>"}
	}
	if parts[3] != region {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the topic ARN is in region " + parts[3] + " but the region setting is " + region}
	}
	return nil
}

func putIf(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// NewClient returns the connection's *Client (provider.ClientMaker).
func (p *Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	return p.client(hc, c)
}

func (*Provider) client(hc *http.Client, c provider.Connection) (*Client, error) {
	return NewClient(hc, Config{
		Region:          c.Setting(FieldRegion, "us-east-1"),
		Endpoint:        c.Setting(FieldEndpoint, ""),
		AccessKeyID:     c.Credentials[FieldAccessKeyID],
		SecretAccessKey: c.Credentials[FieldSecretAccessKey],
		SessionToken:    c.Credentials[FieldSessionToken],
	})
}

// SendSMSInput is the input of send_sms.
type SendSMSInput struct {
	To       string `json:"to" doc:"Recipient phone number in E.164 format, e.g. +27821234567." pattern:"^\\+[1-9][0-9]{6,14}$"`
	Message  string `json:"message" doc:"The message text; SNS splits long texts into several SMS." minLength:"1" maxLength:"1600"`
	SMSType  string `json:"smsType,omitempty" doc:"Transactional (critical, higher delivery priority) or Promotional; empty uses the account default." enum:"Transactional,Promotional"`
	SenderID string `json:"senderId,omitempty" doc:"Alphanumeric sender ID, where the destination country supports one." pattern:"^[A-Za-z0-9]{1,11}$"`
}

// SendSMSOutput is the output of send_sms.
type SendSMSOutput struct {
	MessageID string `json:"messageId"`
	RequestID string `json:"requestId,omitempty"`
}

// Actions lists the SNS actions.
func (*Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name:  "send_sms",
			Title: "Send SMS",
			Description: "Send one SMS directly to a phone number with SNS Publish (PhoneNumber), optionally as " +
				"Transactional or Promotional and with a sender ID.",
			Mutating: true,
		}, func(ctx context.Context, c *Client, in SendSMSInput) (SendSMSOutput, error) {
			out, err := c.Publish(ctx, PublishInput{PhoneNumber: in.To, Message: in.Message, SMSType: in.SMSType, SenderID: in.SenderID})
			if err != nil {
				return SendSMSOutput{}, err
			}
			return SendSMSOutput{MessageID: out.MessageID, RequestID: out.RequestID}, nil
		}),
	}
}
