package httpapi

import (
	"context"
	"time"

	"ihub/internal/auth"
	"ihub/internal/webhook"
	"ihub/internal/webhook/natspub"
)

// SubscriptionBody is a subscription as the API shows it.
type SubscriptionBody struct {
	ID                  string    `json:"id"`
	Name                string    `json:"name"`
	EventTypes          []string  `json:"eventTypes" doc:"Event types sent (code.push, or code.* for a family); empty sends all."`
	IntegrationIDs      []string  `json:"integrationIds" doc:"Only events of these integrations; empty: all."`
	Target              string    `json:"target" enum:"http,nats,chat" doc:"http: signed POSTs to url. nats: JetStream publish to subject on the server at url. chat: a message through chatIntegration."`
	URL                 string    `json:"url,omitempty" doc:"The HTTP URL (http target) or the NATS server URL (nats target)."`
	Subject             string    `json:"subject,omitempty" doc:"The NATS subject (nats target)."`
	ChatIntegration     string    `json:"chatIntegration,omitempty" doc:"The Slack, Discord or Teams integration that posts the messages (chat target)."`
	NATSAuth            string    `json:"natsAuth,omitempty" enum:"token,user,creds" doc:"How ihub authenticates to the NATS server (nats target); the credentials are never shown."`
	AllowPrivateNetwork bool      `json:"allowPrivateNetwork"`
	MaxConcurrency      int       `json:"maxConcurrency" doc:"Requests in flight to this subscriber at most."`
	IsActive            bool      `json:"isActive"`
	DisabledReason      string    `json:"disabledReason,omitempty" doc:"Why ihub disabled it (410 Gone, or a chat target's channel or webhook gone). Events wait; enabling it sends them."`
	Secret              string    `json:"secret,omitempty" doc:"The generated whsec_ signing secret, only in the answer that created it."`
	Version             int64     `json:"version"`
	CreatedAt           time.Time `json:"createdAt"`
	UpdatedAt           time.Time `json:"updatedAt"`
}

func subscriptionBody(s webhook.Subscription) SubscriptionBody {
	b := SubscriptionBody{ID: s.ID, Name: s.Name, EventTypes: s.EventTypes, IntegrationIDs: s.IntegrationIDs, Target: s.Target,
		URL: s.URL, Subject: s.Subject, ChatIntegration: s.ChatIntegrationID, NATSAuth: s.NATSAuthKind,
		AllowPrivateNetwork: s.AllowPrivateNetwork, MaxConcurrency: s.MaxConcurrency, IsActive: s.IsActive,
		DisabledReason: s.DisabledReason, Version: s.Version, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
	if b.EventTypes == nil {
		b.EventTypes = []string{}
	}
	if b.IntegrationIDs == nil {
		b.IntegrationIDs = []string{}
	}
	return b
}

// SubscriptionInputBody creates or patches a subscription.
type SubscriptionInputBody struct {
	Name                *string       `json:"name,omitempty" maxLength:"200"`
	EventTypes          []string      `json:"eventTypes,omitempty" maxItems:"100"`
	IntegrationIDs      []string      `json:"integrationIds,omitempty" maxItems:"100" doc:"Only events of these integrations (ids or slugs, stored as ids; each must exist); empty: all."`
	Target              *string       `json:"target,omitempty" enum:"http,nats,chat" doc:"Where events go; default http."`
	URL                 *string       `json:"url,omitempty" maxLength:"2000" doc:"http target: where events are POSTed. nats target: the NATS server (nats://host:4222 or tls://host:4222, no credentials). Not used by chat."`
	Subject             *string       `json:"subject,omitempty" maxLength:"255" doc:"nats target: the subject to publish to; a JetStream stream must capture it."`
	ChatIntegration     *string       `json:"chatIntegration,omitempty" maxLength:"200" doc:"chat target: id or slug of a Slack, Discord or Teams integration."`
	NATSAuth            *NATSAuthBody `json:"natsAuth,omitempty" doc:"nats target: credentials for the NATS server, one way of three; sealed, never shown. On PATCH, {} removes them and leaving it out keeps them. Setting them, and changing url while they are held, needs integrations:credentials:write."`
	AllowPrivateNetwork *bool         `json:"allowPrivateNetwork,omitempty" doc:"Allow a loopback or private address (the SSRF guard refuses them otherwise). Turning it on, and changing url while it is on, needs integrations:credentials:write, as for integrations."`
	MaxConcurrency      *int          `json:"maxConcurrency,omitempty" minimum:"1" maximum:"64"`
	IsActive            *bool         `json:"isActive,omitempty"`
	Secret              *string       `json:"secret,omitempty" maxLength:"200" doc:"Your own whsec_ secret (create only); otherwise one is generated and shown once."`
}

// NATSAuthBody is how ihub authenticates to a NATS server.
// A member given empty is refused (minLength), naming it: {"token":""}
// would otherwise mean no credentials at all; {} is how they are removed.
type NATSAuthBody struct {
	Token    string `json:"token,omitempty" minLength:"1" maxLength:"1000" doc:"A server token."`
	User     string `json:"user,omitempty" minLength:"1" maxLength:"200" doc:"A user name, with password."`
	Password string `json:"password,omitempty" minLength:"1" maxLength:"1000"`
	Creds    string `json:"creds,omitempty" minLength:"1" maxLength:"20000" doc:"The contents of a .creds file: a user JWT and its NKey seed."`
}

func (b SubscriptionInputBody) input(ctx context.Context) webhook.SubscriptionInput {
	var nats *natspub.Auth
	if b.NATSAuth != nil {
		nats = &natspub.Auth{Token: b.NATSAuth.Token, User: b.NATSAuth.User, Password: b.NATSAuth.Password, Creds: b.NATSAuth.Creds}
	}
	return webhook.SubscriptionInput{NATSAuth: nats, Name: b.Name, EventTypes: b.EventTypes, IntegrationIDs: b.IntegrationIDs, Target: b.Target,
		URL: b.URL, Subject: b.Subject, ChatIntegration: b.ChatIntegration, AllowPrivateNetwork: b.AllowPrivateNetwork, MaxConcurrency: b.MaxConcurrency, IsActive: b.IsActive, Secret: b.Secret,
		CredentialsWrite: principal(ctx).Can(auth.PermCredentialsWrite)}
}

type createSubscriptionInput struct {
	Body SubscriptionInputBody
}

type subscriptionOutput struct {
	ETag string `header:"ETag"`
	Body SubscriptionBody
}

func (s *Server) createSubscription(ctx context.Context, in *createSubscriptionInput) (*subscriptionOutput, error) {
	sub, secret, err := s.d.Webhooks.CreateSubscription(ctx, actor(ctx), in.Body.input(ctx))
	if err != nil {
		return nil, err
	}
	b := subscriptionBody(sub)
	b.Secret = secret
	return &subscriptionOutput{ETag: etag(sub.Version), Body: b}, nil
}

type listSubscriptionsOutput struct {
	Body struct {
		Subscriptions []SubscriptionBody `json:"subscriptions"`
	}
}

func (s *Server) listSubscriptions(ctx context.Context, _ *struct{}) (*listSubscriptionsOutput, error) {
	subs, err := s.d.Webhooks.Subscriptions(ctx)
	if err != nil {
		return nil, err
	}
	out := &listSubscriptionsOutput{}
	out.Body.Subscriptions = []SubscriptionBody{}
	for _, sub := range subs {
		out.Body.Subscriptions = append(out.Body.Subscriptions, subscriptionBody(sub))
	}
	return out, nil
}

type subscriptionIDInput struct {
	ID string `path:"id" maxLength:"64" doc:"Subscription id."`
}

func (s *Server) getSubscription(ctx context.Context, in *subscriptionIDInput) (*subscriptionOutput, error) {
	sub, err := s.d.Webhooks.Subscription(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &subscriptionOutput{ETag: etag(sub.Version), Body: subscriptionBody(sub)}, nil
}

type updateSubscriptionInput struct {
	ID      string `path:"id" maxLength:"64" doc:"Subscription id."`
	IfMatch string `header:"If-Match" maxLength:"100" doc:"The ETag you read; the update fails with 412 if the subscription changed since."`
	Body    SubscriptionInputBody
}

func (s *Server) updateSubscription(ctx context.Context, in *updateSubscriptionInput) (*subscriptionOutput, error) {
	check, err := versionCheck(in.IfMatch)
	if err != nil {
		return nil, err
	}
	sub, err := s.d.Webhooks.UpdateSubscription(ctx, actor(ctx), in.ID, in.Body.input(ctx), check)
	if err != nil {
		return nil, err
	}
	return &subscriptionOutput{ETag: etag(sub.Version), Body: subscriptionBody(sub)}, nil
}

func (s *Server) deleteSubscription(ctx context.Context, in *subscriptionIDInput) (*struct{}, error) {
	return nil, s.d.Webhooks.DeleteSubscription(ctx, actor(ctx), in.ID)
}

// AttemptBody is one event's delivery to a subscription.
type AttemptBody struct {
	ID            int64      `json:"id"`
	EventCursor   int64      `json:"eventCursor"`
	EventID       string     `json:"eventId,omitempty" doc:"The event's id, the webhook-id the subscriber receives (left out once retention removed the event)."`
	EventType     string     `json:"eventType,omitempty"`
	Status        string     `json:"status" enum:"pending,delivered,failed"`
	Attempts      int64      `json:"attempts"`
	NextAttemptAt *time.Time `json:"nextAttemptAt,omitempty"`
	LastStatus    int64      `json:"lastStatus,omitempty" doc:"The subscriber's last HTTP status (0: no answer)."`
	LastError     string     `json:"lastError,omitempty"`
	CreatedAt     time.Time  `json:"createdAt"`
	DeliveredAt   *time.Time `json:"deliveredAt,omitempty"`
}

type attemptsInput struct {
	ID     string `path:"id" maxLength:"64" doc:"Subscription id."`
	Status string `query:"status" enum:"pending,delivered,failed" doc:"Only attempts with this status."`
	Before int64  `query:"before" minimum:"1" doc:"Only attempts older than this attempt id: the nextBefore of the previous page."`
	Limit  int    `query:"limit" minimum:"1" maximum:"1000" default:"100"`
}

type attemptsOutput struct {
	Body struct {
		Attempts   []AttemptBody `json:"attempts"`
		HasMore    bool          `json:"hasMore" doc:"Older attempts match beyond this page."`
		NextBefore int64         `json:"nextBefore,omitempty" doc:"With hasMore: the before cursor of the next page."`
	}
}

func (s *Server) listAttempts(ctx context.Context, in *attemptsInput) (*attemptsOutput, error) {
	// One page, newest first; one row more tells whether there is a next.
	as, err := s.d.Webhooks.Attempts(ctx, in.ID, webhook.AttemptFilter{Status: in.Status, BeforeID: in.Before, Limit: in.Limit + 1})
	if err != nil {
		return nil, err
	}
	out := &attemptsOutput{}
	out.Body.Attempts = []AttemptBody{}
	if len(as) > in.Limit {
		as = as[:in.Limit]
		out.Body.HasMore, out.Body.NextBefore = true, as[len(as)-1].ID
	}
	for _, a := range as {
		b := AttemptBody{ID: a.ID, EventCursor: a.EventSeq, EventID: a.EventID, EventType: a.EventType, Status: a.Status, Attempts: a.Attempts, LastStatus: a.LastStatus,
			LastError: a.LastError, CreatedAt: a.CreatedAt, DeliveredAt: a.DeliveredAt}
		if a.Status == webhook.AttemptPending {
			next := a.NextAttemptAt
			b.NextAttemptAt = &next
		}
		out.Body.Attempts = append(out.Body.Attempts, b)
	}
	return out, nil
}

type retryAttemptInput struct {
	ID        string `path:"id" maxLength:"64" doc:"Subscription id."`
	AttemptID int64  `path:"attemptId" minimum:"1"`
}

func (s *Server) retryAttempt(ctx context.Context, in *retryAttemptInput) (*struct{}, error) {
	return nil, s.d.Webhooks.RetryAttempt(ctx, actor(ctx), in.ID, in.AttemptID)
}
