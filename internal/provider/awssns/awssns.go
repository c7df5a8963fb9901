// Package awssns is the adapter for Amazon SNS Publish (providers.md A16):
// AWS Query protocol signed with Signature Version 4.
//
// Base URL convention: none — the endpoint is https://sns.<region>.amazonaws.com
// from the region setting, unless the endpoint setting overrides it (VPC
// endpoint, LocalStack).
package awssns

import "ihub/internal/provider"

// ID is the provider id.
const ID = "aws_sns"

// Provider is the Amazon SNS adapter. It is stateless and safe for
// concurrent use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

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
				Key:         "region",
				Label:       "Region",
				Type:        provider.FieldString,
				Required:    true,
				Default:     "us-east-1",
				Help:        "The AWS region of the topic (and of SMS sending), e.g. eu-west-1 or af-south-1.",
				Placeholder: "eu-west-1",
			},
			{
				Key:       "accessKeyId",
				Label:     "Access key ID",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "An IAM user's access key (IAM » Users » Security credentials » Create access key) whose " +
					"policy allows sns:Publish and sns:GetTopicAttributes on the topic.",
				Placeholder: "AKIA…",
			},
			{
				Key:       "secretAccessKey",
				Label:     "Secret access key",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help:      "Shown once with the access key ID when the key is created.",
			},
			{
				Key:       "sessionToken",
				Label:     "Session token",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help:      "Only for temporary credentials (STS); sent as X-Amz-Security-Token. Leave empty for an IAM user's key.",
			},
			{
				Key:   "topicArn",
				Label: "Topic ARN",
				Type:  provider.FieldString,
				Help: "The topic alerts are published to, arn:aws:sns:<region>:<account>:<name> (SNS » Topics); the " +
					"connection test reads its attributes. Leave empty to send SMS to phone numbers only.",
			},
			{
				Key:   "endpoint",
				Label: "Endpoint override",
				Type:  provider.FieldURL,
				Help:  "Optional: a VPC interface endpoint or LocalStack URL. Empty means https://sns.<region>.amazonaws.com.",
			},
		},
		Capabilities: []provider.Capability{provider.CapTest, provider.CapNotify, provider.CapActions},
		DocsURL:      "https://docs.aws.amazon.com/sns/latest/api/welcome.html",
	}
}
