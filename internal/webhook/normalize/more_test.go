package normalize

// Sample payloads for the non-code providers (see normalizeCases).
var moreCases = []normalizeCase{
	// Code hosts' own examples, where a field sits elsewhere.
	{
		// GitLab's Tag events example names the user by name only.
		name: "gitlab tag push by user name", provider: "gitlab",
		header: hdr("X-Gitlab-Event", "Tag Push Hook"),
		body: `{"object_kind":"tag_push","event_name":"tag_push","before":"0000000000000000000000000000000000000000","after":"82b3d5ae55f7080f1e6022629cdb57bfae7cccc7",
"ref":"refs/tags/v1.0.0","checkout_sha":"82b3d5ae55f7080f1e6022629cdb57bfae7cccc7","user_id":1,"user_name":"John Smith","project_id":1,
"project":{"id":1,"name":"Example","path_with_namespace":"jsmith/example"},"commits":[],"total_commits_count":0}`,
		want: Event{Type: "code.tag.created", RawType: "tag_push", Subject: "jsmith/example",
			Data: map[string]any{"repository": "jsmith/example", "tag": "v1.0.0", "sha": "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7", "actor": "John Smith"}},
	},
	{
		// octokit's workflow_run.completed example: the run has no name,
		// its workflow has.
		name: "github workflow run named by its workflow", provider: "github",
		header: hdr("X-GitHub-Event", "workflow_run"),
		body: `{"action":"completed","workflow_run":{"id":30433642,"name":"","head_branch":"main","head_sha":"acb5820ced9479c074f688cc328bf03f341a511d",
"status":"completed","conclusion":"success","html_url":"https://github.com/octo-org/octo-repo/actions/runs/30433642","updated_at":"2020-01-22T19:33:08Z"},
"workflow":{"id":159038,"name":"test"},"repository":{"full_name":"octo-org/octo-repo"},"sender":{"login":"octocat"}}`,
		want: Event{Type: "ci.run.succeeded", RawType: "workflow_run.completed", Subject: "octo-org/octo-repo", OccurredAt: at("2020-01-22T19:33:08Z"),
			Data: map[string]any{"repository": "octo-org/octo-repo", "run_id": int64(30433642), "name": "test", "branch": "main",
				"sha": "acb5820ced9479c074f688cc328bf03f341a511d", "status": "success", "url": "https://github.com/octo-org/octo-repo/actions/runs/30433642"}},
	},
	{
		// octokit's release.published example: no title, as GitHub shows
		// the tag instead.
		name: "github release without a title", provider: "github",
		header: hdr("X-GitHub-Event", "release"),
		body: `{"action":"published","release":{"tag_name":"0.0.1","name":"","html_url":"https://github.com/Codertocat/Hello-World/releases/tag/0.0.1",
"published_at":"2019-05-15T15:20:53Z"},"repository":{"full_name":"Codertocat/Hello-World"},"sender":{"login":"Codertocat"}}`,
		want: Event{Type: "release.published", RawType: "release.published", Subject: "Codertocat/Hello-World", OccurredAt: at("2019-05-15T15:20:53Z"),
			Data: map[string]any{"repository": "Codertocat/Hello-World", "tag": "0.0.1", "name": "0.0.1",
				"url": "https://github.com/Codertocat/Hello-World/releases/tag/0.0.1"}},
	},

	// Resend (Svix headers).
	{
		name: "resend delivered", provider: "resend",
		header: hdr("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek", "svix-timestamp", "1614265330"),
		body: `{"type":"email.delivered","created_at":"2024-02-22T23:41:12.126Z","data":{"created_at":"2024-02-22T23:41:11.894719+00:00",
"email_id":"56761188-7520-42d8-8898-ff6fc54ce618","from":"Acme <onboarding@resend.dev>","to":["delivered@resend.dev"],"subject":"Sending this example"}}`,
		want: Event{
			Type: "email.delivered", RawType: "email.delivered", Subject: "56761188-7520-42d8-8898-ff6fc54ce618", OccurredAt: at("2024-02-22T23:41:12.126Z"),
			Data: map[string]any{
				"email_id": "56761188-7520-42d8-8898-ff6fc54ce618", "from": "Acme <onboarding@resend.dev>",
				"to": []string{"delivered@resend.dev"}, "title": "Sending this example",
			},
		},
	},
	{
		name: "resend bounced", provider: "resend",
		body: `{"type":"email.bounced","created_at":"2024-11-22T23:41:12.126Z","data":{"email_id":"e-1","from":"a@example.com","to":["bounced@resend.dev"],
"subject":"Hi","bounce":{"message":"The recipient's email address is on the suppression list.","subType":"Suppressed","type":"Permanent"}}}`,
		want: Event{
			Type: "email.bounced", RawType: "email.bounced", Subject: "e-1", OccurredAt: at("2024-11-22T23:41:12.126Z"),
			Data: map[string]any{
				"email_id": "e-1", "from": "a@example.com", "to": []string{"bounced@resend.dev"}, "title": "Hi",
				"bounce_type": "Permanent", "bounce_message": "The recipient's email address is on the suppression list.",
			},
		},
	},
	{
		name: "resend delivery delayed renamed", provider: "resend",
		body: `{"type":"email.delivery_delayed","created_at":"2024-11-22T23:41:12Z","data":{"email_id":"e-2"}}`,
		want: Event{Type: "email.delayed", RawType: "email.delivery_delayed", Subject: "e-2", OccurredAt: at("2024-11-22T23:41:12Z"), Data: map[string]any{"email_id": "e-2"}},
	},
	{
		name: "resend unknown kept", provider: "resend",
		body: `{"type":"contact.created","created_at":"2024-11-22T23:41:12Z","data":{"id":"c-1"}}`,
		want: Event{Type: "resend.contact.created", RawType: "contact.created", OccurredAt: at("2024-11-22T23:41:12Z"),
			Subject: "c-1", Data: map[string]any{"id": "c-1"}},
	},
	{
		// Resend's domain.created example.
		name: "resend domain event keeps its object", provider: "resend",
		body: `{"type":"domain.created","created_at":"2024-11-17T19:32:22.980Z","data":{"id":"d91cd9bd-1176-453e-8fc1-35364d380206","name":"example.com","status":"not_started","created_at":"2024-04-26T20:21:26.347412+00:00","region":"us-east-1","records":[]}}`,
		want: Event{Type: "resend.domain.created", RawType: "domain.created", OccurredAt: at("2024-11-17T19:32:22.980Z"),
			Subject: "d91cd9bd-1176-453e-8fc1-35364d380206",
			Data:    map[string]any{"id": "d91cd9bd-1176-453e-8fc1-35364d380206", "name": "example.com", "status": "not_started"}},
	},

	// Didit.
	{
		name: "didit approved", provider: "didit",
		body: `{"session_id":"11111111-2222-3333-4444-555555555555","status":"Approved","webhook_type":"status.updated","created_at":1699999000,
"timestamp":1700000000,"workflow_id":"wf-1","vendor_data":"user-42","decision":{"id_verification":{"status":"Approved"}}}`,
		want: Event{
			Type: "kyc.approved", RawType: "status.updated", Subject: "11111111-2222-3333-4444-555555555555", OccurredAt: at("2023-11-14T22:13:20Z"),
			Data: map[string]any{"session_id": "11111111-2222-3333-4444-555555555555", "status": "Approved", "workflow_id": "wf-1", "vendor_data": "user-42"},
		},
	},
	{
		name: "didit declined", provider: "didit",
		body: `{"session_id":"s-2","status":"Declined","webhook_type":"status.updated","timestamp":1700000100}`,
		want: Event{
			Type: "kyc.declined", RawType: "status.updated", Subject: "s-2", OccurredAt: at("2023-11-14T22:15:00Z"),
			Data: map[string]any{"session_id": "s-2", "status": "Declined"},
		},
	},
	{
		name: "didit in review", provider: "didit",
		body: `{"session_id":"s-3","status":"In Review","webhook_type":"status.updated","timestamp":1700000100,"session_kind":"business"}`,
		want: Event{
			Type: "kyc.review_required", RawType: "status.updated", Subject: "s-3", OccurredAt: at("2023-11-14T22:15:00Z"),
			Data: map[string]any{"session_id": "s-3", "status": "In Review", "session_kind": "business"},
		},
	},
	{
		name: "didit not started kept", provider: "didit",
		body: `{"session_id":"s-4","status":"Not Started","webhook_type":"status.updated","timestamp":1700000100}`,
		want: Event{
			Type: "didit.status.updated", RawType: "status.updated", Subject: "s-4", OccurredAt: at("2023-11-14T22:15:00Z"),
			Data: map[string]any{"session_id": "s-4", "status": "Not Started"},
		},
	},

	// NetCash Pay Now postbacks (form-encoded).
	{
		name: "netcash paid", provider: "netcash",
		header: hdr("Content-Type", form),
		body:   "TransactionAccepted=true&CardHolderIpAddr=41.0.0.1&RequestTrace=3b7e2a0c-1&Reference=INV-1001&Extra1=order-1001&Extra2=&Extra3=nonce-secret&Amount=150.00&Method=1&Reason=Success&ccToken=tok_secret",
		want: Event{
			Type: "payment.succeeded", RawType: "postback", Subject: "INV-1001",
			Data: map[string]any{
				"reference": "INV-1001", "amount": "150.00", "currency": "ZAR", "transaction_id": "3b7e2a0c-1", "method": "1",
				"reason": "Success", "accepted": true, "extra1": "order-1001",
			},
		},
	},
	{
		name: "netcash declined", provider: "netcash",
		header: hdr("Content-Type", form),
		body:   "TransactionAccepted=false&RequestTrace=t-2&Reference=INV-1002&Amount=99.95&Reason=Transaction+declined+by+bank&Extra3=n",
		want: Event{
			Type: "payment.failed", RawType: "postback", Subject: "INV-1002",
			Data: map[string]any{"reference": "INV-1002", "amount": "99.95", "currency": "ZAR", "transaction_id": "t-2", "reason": "Transaction declined by bank", "accepted": false},
		},
	},
	{
		name: "netcash eft pending", provider: "netcash",
		header: hdr("Content-Type", form),
		body:   "TransactionAccepted=false&RequestTrace=t-3&Reference=INV-1003&Amount=10.00&Method=2&Reason=Pending+EFT",
		want: Event{
			Type: "payment.pending", RawType: "postback", Subject: "INV-1003",
			Data: map[string]any{"reference": "INV-1003", "amount": "10.00", "currency": "ZAR", "transaction_id": "t-3", "method": "2", "reason": "Pending EFT", "accepted": false},
		},
	},
	{
		name: "netcash cancelled", provider: "netcash",
		body: "TransactionAccepted=false&Reference=INV-1004&Reason=Cancelled+by+user",
		want: Event{
			Type: "payment.cancelled", RawType: "postback", Subject: "INV-1004",
			Data: map[string]any{"reference": "INV-1004", "reason": "Cancelled by user", "accepted": false},
		},
	},
	{
		name: "netcash not a postback", provider: "netcash",
		body: "foo=bar",
		want: Event{Type: "netcash.postback", RawType: "postback"},
	},

	// WHMCS hook module.
	{
		name: "whmcs ticket open", provider: "whmcs",
		header: hdr("X-Hub-Event", "TicketOpen", "X-Hub-Delivery", "0d9a1c7e-9f3b-4b39-9d0e-2b0f6f1c1a11"),
		body: `{"ticketid":42,"ticketmask":"ABC-123456","userid":7,"deptid":1,"deptname":"Support","subject":"Site down",
"message":"Help, my site is down","priority":"High"}`,
		want: Event{
			Type: "ticket.created", RawType: "TicketOpen", Subject: "42",
			Data: map[string]any{
				"ticket_id": "42", "ticket_mask": "ABC-123456", "title": "Site down", "department": "Support",
				"priority": "High", "customer_id": "7",
			},
		},
	},
	{
		name: "whmcs admin reply form", provider: "whmcs",
		header: hdr("X-Hub-Event", "TicketAdminReply", "Content-Type", form),
		body:   "ticketid=42&replyid=99&status=Answered&message=On+it&deptname=Support",
		want: Event{
			Type: "ticket.replied", RawType: "TicketAdminReply", Subject: "42",
			Data: map[string]any{"ticket_id": "42", "reply_id": "99", "status": "Answered", "department": "Support", "author": "agent"},
		},
	},
	{
		name: "whmcs customer reply", provider: "whmcs",
		header: hdr("X-Hub-Event", "TicketUserReply"),
		body:   `{"ticketid":"42","replyid":"100","userid":"7","status":"Customer-Reply"}`,
		want: Event{
			Type: "ticket.replied", RawType: "TicketUserReply", Subject: "42",
			Data: map[string]any{"ticket_id": "42", "reply_id": "100", "status": "Customer-Reply", "author": "customer", "customer_id": "7"},
		},
	},
	{
		name: "whmcs invoice paid", provider: "whmcs",
		header: hdr("X-Hub-Event", "InvoicePaid"),
		body:   `{"invoiceid":1001,"invoice":{"id":1001,"userid":7,"total":"150.00","status":"Paid"}}`,
		want: Event{
			Type: "invoice.paid", RawType: "InvoicePaid", Subject: "1001",
			Data: map[string]any{"invoice_id": "1001", "amount": "150.00", "status": "Paid", "customer_id": "7"},
		},
	},
	{
		// The body's event is signed, the header is not: the body wins.
		name: "whmcs event in body and header", provider: "whmcs",
		header: hdr("X-Hub-Event", "AddInvoicePayment"),
		body:   `{"event":"InvoicePaid","vars":{"invoiceid":4711}}`,
		want: Event{
			Type: "invoice.paid", RawType: "InvoicePaid", Subject: "4711",
			Data: map[string]any{"invoice_id": "4711"},
		},
	},
	{
		// "user" is the admin who created the invoice, not the client.
		name: "whmcs invoice created", provider: "whmcs",
		header: hdr("X-Hub-Event", "InvoiceCreated"),
		body:   `{"source":"adminarea","user":1,"invoiceid":1002,"status":"Unpaid"}`,
		want: Event{
			Type: "invoice.created", RawType: "InvoiceCreated", Subject: "1002",
			Data: map[string]any{"invoice_id": "1002", "status": "Unpaid"},
		},
	},
	{
		name: "whmcs add invoice payment in body envelope", provider: "whmcs",
		body: `{"event":"AddInvoicePayment","timestamp":1700000000,"vars":{"invoiceid":1001}}`,
		want: Event{
			Type: "payment.succeeded", RawType: "AddInvoicePayment", Subject: "1001", OccurredAt: at("2023-11-14T22:13:20Z"),
			Data: map[string]any{"invoice_id": "1001"},
		},
	},
	{
		name: "whmcs module suspend drops password", provider: "whmcs",
		header: hdr("X-Hub-Event", "AfterModuleSuspend"),
		body: `{"params":{"accountid":55,"serviceid":55,"userid":7,"domain":"example.co.za","username":"examplec","password":"s3cret!",
"pid":3,"producttype":"hostingaccount","moduletype":"cpanel","serverpassword":"rootpw"}}`,
		want: Event{
			Type: "service.suspended", RawType: "AfterModuleSuspend", Subject: "55",
			Data: map[string]any{"service_id": "55", "product_id": "3", "domain": "example.co.za", "username": "examplec", "customer_id": "7"},
		},
	},
	{
		name: "whmcs client add", provider: "whmcs",
		header: hdr("X-Hub-Event", "ClientAdd"),
		body:   `{"client_id":7,"user_id":3,"firstname":"Ann","lastname":"Ndlovu","email":"ann@example.co.za","companyname":"","password":"x"}`,
		want: Event{
			Type: "customer.created", RawType: "ClientAdd", Subject: "7",
			Data: map[string]any{"customer_id": "7", "firstname": "Ann", "lastname": "Ndlovu", "email": "ann@example.co.za"},
		},
	},
	{
		name: "whmcs order paid camel case", provider: "whmcs",
		header: hdr("X-Hub-Event", "OrderPaid"),
		body:   `{"orderId":12,"userId":7,"invoiceId":1003}`,
		want: Event{
			Type: "order.paid", RawType: "OrderPaid", Subject: "12",
			Data: map[string]any{"order_id": "12", "invoice_id": "1003", "customer_id": "7"},
		},
	},
	{
		name: "whmcs unknown hook kept", provider: "whmcs",
		header: hdr("X-Hub-Event", "DomainRenewal"),
		body:   `{"domainid":5}`,
		want:   Event{Type: "whmcs.DomainRenewal", RawType: "DomainRenewal"},
	},

	// Terraform Cloud.
	{
		name: "terraform run completed", provider: "terraform",
		body: `{"payload_version":1,"notification_configuration_id":"nc-AeUQ2zfKZzW9TiGZ",
"run_url":"https://app.terraform.io/app/acme-org/my-workspace/runs/run-FwnENkvDnrpyFC7M","run_id":"run-FwnENkvDnrpyFC7M",
"run_message":"Add five new queue workers","run_created_at":"2019-01-25T18:34:00.000Z","run_created_by":"sample-user",
"workspace_id":"ws-XdeUVMWShTesDMME","workspace_name":"my-workspace","organization_name":"acme-org",
"notifications":[{"message":"Applied","trigger":"run:completed","run_status":"applied","run_updated_at":"2019-01-25T18:37:04.000Z","run_updated_by":"sample-user"}]}`,
		want: Event{
			Type: "iac.run.applied", RawType: "run:completed", Subject: "run-FwnENkvDnrpyFC7M", OccurredAt: at("2019-01-25T18:37:04Z"),
			Data: map[string]any{
				"run_id": "run-FwnENkvDnrpyFC7M", "workspace": "my-workspace", "organization": "acme-org",
				"url": "https://app.terraform.io/app/acme-org/my-workspace/runs/run-FwnENkvDnrpyFC7M", "message": "Add five new queue workers",
				"status": "applied", "actor": "sample-user",
			},
		},
	},
	{
		name: "terraform run errored", provider: "terraform",
		body: `{"payload_version":1,"run_id":"run-2","workspace_name":"ws","organization_name":"org",
"notifications":[{"message":"Run Canceled","trigger":"run:errored","run_status":"canceled","run_updated_at":"2019-01-25T18:37:04.000Z","run_updated_by":"u"}]}`,
		want: Event{
			Type: "iac.run.failed", RawType: "run:errored", Subject: "run-2", OccurredAt: at("2019-01-25T18:37:04Z"),
			Data: map[string]any{"run_id": "run-2", "workspace": "ws", "organization": "org", "status": "canceled", "actor": "u"},
		},
	},
	{
		name: "terraform verification", provider: "terraform",
		body: `{"payload_version":1,"notification_configuration_id":"nc-jWvVsmp5VxsaCeXm","run_url":null,"run_id":null,"run_message":null,
"run_created_at":null,"run_created_by":null,"workspace_id":null,"workspace_name":null,"organization_name":null,
"notifications":[{"message":"Verification of my-workspace","trigger":"verification","run_status":null,"run_updated_at":null,"run_updated_by":null}]}`,
		want: Event{Type: "system.ping", RawType: "verification", Subject: "nc-jWvVsmp5VxsaCeXm"},
	},
	{
		name: "terraform planning kept", provider: "terraform",
		body: `{"run_id":"run-3","notifications":[{"trigger":"run:planning","run_status":"planning"}]}`,
		want: Event{Type: "terraform.run:planning", RawType: "run:planning", Subject: "run-3", Data: map[string]any{"run_id": "run-3", "status": "planning"}},
	},

	// AWX notification default body.
	{
		name: "awx job succeeded", provider: "awx",
		body: `{"id":38,"name":"Demo Job Template","url":"https://towerhost/#/jobs/playbook/38","created_by":"admin",
"started":"2018-05-09T14:19:01.286426+00:00","finished":"2018-05-09T14:19:05.542131+00:00","status":"successful","traceback":"",
"inventory":"Demo Inventory","project":"Demo Project","playbook":"hello_world.yml","credential":"Demo Credential","limit":"","extra_vars":"{}",
"hosts":{"localhost":{"failed":false,"changed":0,"dark":0,"failures":0,"ok":2,"processed":1,"skipped":0}}}`,
		want: Event{
			Type: "automation.job.succeeded", RawType: "job.successful", Subject: "38", OccurredAt: at("2018-05-09T14:19:05.542131Z"),
			Data: map[string]any{
				"job_id": "38", "name": "Demo Job Template", "status": "successful", "url": "https://towerhost/#/jobs/playbook/38",
				"actor": "admin", "playbook": "hello_world.yml", "inventory": "Demo Inventory", "project": "Demo Project",
			},
		},
	},
	{
		name: "awx job failed", provider: "awx",
		body: `{"id":39,"name":"Deploy","status":"failed","finished":"2018-05-09T14:20:00Z"}`,
		want: Event{
			Type: "automation.job.failed", RawType: "job.failed", Subject: "39", OccurredAt: at("2018-05-09T14:20:00Z"),
			Data: map[string]any{"job_id": "39", "name": "Deploy", "status": "failed"},
		},
	},
	{
		name: "awx job started", provider: "awx",
		body: `{"id":40,"name":"Deploy","status":"running","started":"2018-05-09T14:21:00Z","finished":null}`,
		want: Event{
			Type: "automation.job.started", RawType: "job.running", Subject: "40", OccurredAt: at("2018-05-09T14:21:00Z"),
			Data: map[string]any{"job_id": "40", "name": "Deploy", "status": "running"},
		},
	},

	// Zoho.
	{
		name: "zoho sign completed", provider: "zoho_sign",
		body: `{"requests":{"request_name":"NDA","request_id":"2000000029065","request_status":"completed","owner_email":"owner@example.com"},
"notifications":{"performed_by_email":"signer@example.com","performed_by_name":"Sam Signer","performed_at":1700000000123,
"operation_type":"RequestCompleted","activity":"Document has been completed","ip_address":"192.0.2.1"}}`,
		want: Event{
			Type: "esign.completed", RawType: "RequestCompleted", Subject: "2000000029065", OccurredAt: at("2023-11-14T22:13:20.123Z"),
			Data: map[string]any{
				"request_id": "2000000029065", "request_name": "NDA", "request_status": "completed",
				"actor_email": "signer@example.com", "actor_name": "Sam Signer",
			},
		},
	},
	{
		name: "zoho sign large numeric id kept exact", provider: "zoho_sign",
		body: `{"requests":{"request_id":2000000029065123456},"notifications":{"operation_type":"RequestSubmitted"}}`,
		want: Event{
			Type: "zoho_sign.RequestSubmitted", RawType: "RequestSubmitted", Subject: "2000000029065123456",
			Data: map[string]any{"request_id": "2000000029065123456"},
		},
	},
	{
		name: "zoho crm insert hides token", provider: "zoho_crm",
		body: `{"server_time":1700000000000,"module":"Leads","resource_uri":"https://www.zohoapis.com/crm/v2/Leads","ids":["4150868000001234567"],
"affected_fields":[],"operation":"insert","channel_id":"1000000068001","token":"TOKEN_SECRET"}`,
		want: Event{
			Type: "crm.record.created", RawType: "insert", Subject: "Leads/4150868000001234567", OccurredAt: at("2023-11-14T22:13:20Z"),
			Data: map[string]any{"module": "Leads", "ids": []string{"4150868000001234567"}, "channel_id": "1000000068001"},
		},
	},
	{
		name: "zoho billing payment thank you", provider: "zoho_billing",
		body: `{"event_id":"2000000164010","event_type":"payment_thankyou","event_time":"2016-06-14T17:37:21+0530",
"data":{"payment":{"payment_id":"2000000164001","customer_id":"903000000000099","amount":150,"currency_code":"ZAR","reference_number":"INV-00003",
"invoices":[{"invoice_id":"2000000164099"}]}}}`,
		want: Event{
			Type: "payment.succeeded", RawType: "payment_thankyou", Subject: "2000000164001", OccurredAt: at("2016-06-14T12:07:21Z"),
			Data: map[string]any{
				"transaction_id": "2000000164001", "customer_id": "903000000000099", "amount": "150", "currency": "ZAR",
				"reference": "INV-00003", "invoice_id": "2000000164099",
			},
		},
	},
	{
		name: "zoho billing subscription cancelled", provider: "zoho_billing",
		body: `{"event_id":"1","event_type":"subscription_cancelled","event_time":"2016-06-14T17:37:21+0530",
"data":{"subscription":{"subscription_id":"sub-9","customer_id":"c-1","status":"cancelled","plan":{"plan_code":"basic"}}}}`,
		want: Event{
			Type: "subscription.cancelled", RawType: "subscription_cancelled", Subject: "sub-9", OccurredAt: at("2016-06-14T12:07:21Z"),
			Data: map[string]any{"subscription_id": "sub-9", "customer_id": "c-1", "status": "cancelled", "plan": "basic"},
		},
	},
	{
		name: "zoho desk ticket add", provider: "zoho_desk",
		body: `[{"eventType":"Ticket_Add","orgId":"55","eventTime":"1700000000000","payload":{"id":"1892000000093291","ticketNumber":"101",
"subject":"Printer on fire","status":"Open","priority":"High","departmentId":"1892000000006907","contactId":"1892000000042032"}}]`,
		want: Event{
			Type: "ticket.created", RawType: "Ticket_Add", Subject: "1892000000093291", OccurredAt: at("2023-11-14T22:13:20Z"),
			Data: map[string]any{
				"ticket_id": "1892000000093291", "ticket_mask": "101", "title": "Printer on fire", "status": "Open",
				"priority": "High", "department": "1892000000006907", "customer_id": "1892000000042032",
			},
		},
	},

	// Clickatell.
	{
		name: "clickatell received by recipient", provider: "clickatell",
		body: `{"apiKey":"API_KEY_SECRET","messageId":"b1d3f3f7a0b3a3f4e5b7c1d2a3b4c5d6","requestId":"r-1","clientMessageId":"ref-9",
"to":"27821234567","from":"27820000000","status":"004","statusDescription":"Received by recipient","timestamp":1700000000}`,
		want: Event{
			Type: "sms.delivered", RawType: "status.004", Subject: "b1d3f3f7a0b3a3f4e5b7c1d2a3b4c5d6", OccurredAt: at("2023-11-14T22:13:20Z"),
			Data: map[string]any{
				"message_id": "b1d3f3f7a0b3a3f4e5b7c1d2a3b4c5d6", "client_message_id": "ref-9", "to": "27821234567",
				"from": "27820000000", "status": "004", "description": "Received by recipient",
			},
		},
	},
	{
		name: "clickatell one api delivered to gateway", provider: "clickatell",
		body: `{"integrationName":"ihub","messageId":"m-2","status":"DELIVERED_TO_GATEWAY","statusCode":3,"to":"27821234567","timestamp":1700000000123}`,
		want: Event{
			Type: "sms.sent", RawType: "status.003", Subject: "m-2", OccurredAt: at("2023-11-14T22:13:20.123Z"),
			Data: map[string]any{"message_id": "m-2", "to": "27821234567", "status": "003"},
		},
	},
	{
		name: "clickatell legacy form error", provider: "clickatell",
		header: hdr("Content-Type", form),
		body:   "apiMsgId=996411ad91fa211e7d17bc873aa4a41d&cliMsgId=&timestamp=1218007814&to=279995631564&from=27833001171&status=007&charge=0.300000",
		want: Event{
			Type: "sms.failed", RawType: "status.007", Subject: "996411ad91fa211e7d17bc873aa4a41d", OccurredAt: at("2008-08-06T07:30:14Z"),
			Data: map[string]any{"message_id": "996411ad91fa211e7d17bc873aa4a41d", "to": "279995631564", "from": "27833001171", "status": "007"},
		},
	},
	{
		name: "clickatell queued kept", provider: "clickatell",
		body: `{"messageId":"m-3","status":"002"}`,
		want: Event{Type: "clickatell.status.002", RawType: "status.002", Subject: "m-3", Data: map[string]any{"message_id": "m-3", "status": "002"}},
	},
	{
		name: "clickatell reply", provider: "clickatell",
		body: `{"integrationId":"i-1","messageId":"mo-1","replyMessageId":"m-2","apiKey":"k","fromNumber":"27821234567","toNumber":"27820000000",
"timestamp":1700000000,"text":"STOP","charset":"UTF-8"}`,
		want: Event{
			Type: "sms.received", RawType: "reply_callback", Subject: "mo-1", OccurredAt: at("2023-11-14T22:13:20Z"),
			Data: map[string]any{"message_id": "mo-1", "to": "27820000000", "from": "27821234567", "text": "STOP"},
		},
	},

	// Twilio-shaped SMS callbacks on the generic SMS webhook.
	{
		name: "twilio status delivered", provider: "sms_webhook",
		header: hdr("Content-Type", form, "I-Twilio-Idempotency-Token", "tok-1"),
		body:   "MessageSid=SM1234567890ABCDE&MessageStatus=delivered&To=%2B15558675310&From=%2B15017122661&AccountSid=AC1",
		want: Event{
			Type: "sms.delivered", RawType: "delivered", Subject: "SM1234567890ABCDE",
			Data: map[string]any{"message_id": "SM1234567890ABCDE", "to": "+15558675310", "from": "+15017122661", "status": "delivered"},
		},
	},
	{
		name: "twilio undelivered", provider: "sms_webhook",
		header: hdr("Content-Type", form),
		body:   "MessageSid=SM2&MessageStatus=undelivered&ErrorCode=30003&To=%2B15558675310",
		want: Event{
			Type: "sms.failed", RawType: "undelivered", Subject: "SM2",
			Data: map[string]any{"message_id": "SM2", "to": "+15558675310", "error_code": "30003", "status": "undelivered"},
		},
	},
	{
		name: "twilio inbound", provider: "sms_webhook",
		header: hdr("Content-Type", form),
		body:   "MessageSid=SM3&SmsStatus=received&Body=Hello+there&From=%2B15017122661&To=%2B15558675310",
		want: Event{
			Type: "sms.received", RawType: "received", Subject: "SM3",
			Data: map[string]any{"message_id": "SM3", "to": "+15558675310", "from": "+15017122661", "text": "Hello there"},
		},
	},

	// AWS SNS.
	{
		name: "sns notification", provider: "aws_sns",
		header: hdr("x-amz-sns-message-type", "Notification", "x-amz-sns-message-id", "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324"),
		body: `{"Type":"Notification","MessageId":"22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324","TopicArn":"arn:aws:sns:us-west-2:123456789012:MyTopic",
"Subject":"My First Message","Message":"Hello world!","Timestamp":"2012-05-02T00:54:06.655Z","SignatureVersion":"1","Signature":"EXAMPLE"}`,
		want: Event{
			Type: "aws_sns.Notification", RawType: "Notification", Subject: "arn:aws:sns:us-west-2:123456789012:MyTopic", OccurredAt: at("2012-05-02T00:54:06.655Z"),
			Data: map[string]any{
				"message_id": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324", "topic_arn": "arn:aws:sns:us-west-2:123456789012:MyTopic",
				"title": "My First Message", "message": "Hello world!",
			},
		},
	},

	// WHM standardized hook forwarded by a hook script.
	{
		name: "whm account suspended", provider: "whm",
		body: `{"context":{"category":"Whostmgr","event":"Accounts::suspendacct","stage":"post","point":"main"},"data":{"user":"bob","reason":"Unpaid","disallowun":0}}`,
		want: Event{
			Type: "account.suspended", RawType: "Whostmgr::Accounts::suspendacct:post", Subject: "bob",
			Data: map[string]any{"user": "bob", "reason": "Unpaid"},
		},
	},

	// Generic http and providers without native webhooks.
	{
		name: "http typed event", provider: "http",
		body: `{"type":"order.created","timestamp":"2026-11-22T03:00:00Z","data":{"id":"o_1","total":12.5,"secret_key":"x","lines":[1,2]}}`,
		want: Event{
			Type: "http.order.created", RawType: "order.created", Subject: "o_1", OccurredAt: at("2026-11-22T03:00:00Z"),
			Data: map[string]any{"id": "o_1", "total": "12.5"},
		},
	},
	{
		name: "http event field form", provider: "http",
		header: hdr("Content-Type", form),
		body:   "event=door+opened&door=3&api_token=t",
		want:   Event{Type: "http.door_opened", RawType: "door opened", Data: map[string]any{"door": "3"}},
	},
	{
		name: "http untyped", provider: "http",
		body: `{"foo":1}`,
		want: Event{Type: "http.event", Data: map[string]any{"foo": "1"}},
	},
	{
		name: "plesk generic", provider: "plesk",
		body: `{"event":"domain_create","domain":"example.com"}`,
		want: Event{Type: "plesk.domain_create", RawType: "domain_create", Data: map[string]any{"domain": "example.com"}},
	},
	{
		name: "teams untyped", provider: "teams",
		body: `[1,2,3]`,
		want: Event{Type: "teams.event"},
	},

	// Garbage.
	{name: "empty body", provider: "resend", want: Event{Type: "resend.unparsed"}},
	{name: "whitespace body", provider: "didit", body: " \n\t ", want: Event{Type: "didit.unparsed"}},
	{name: "json scalar", provider: "slack", body: `42`, want: Event{Type: "slack.unparsed"}},
	{name: "trailing data", provider: "discord", body: `{"type":1}{"type":2}`, want: Event{Type: "discord.unparsed"}},
	{name: "binary", provider: "netcash", body: "\x00\xff\xfe", want: Event{Type: "netcash.unparsed"}},
	{name: "json declared, form sent", provider: "http", header: hdr("Content-Type", "application/json"), body: "a=b", want: Event{Type: "http.unparsed"}},
	{name: "bad form escape", provider: "clickatell", body: "status=%zz&messageId=1", want: Event{Type: "clickatell.unparsed"}},
	{
		name: "wrong kinds everywhere", provider: "github",
		header: hdr("X-GitHub-Event", "pull_request"),
		body:   `{"action":["closed"],"pull_request":"nope","repository":7}`,
		want:   Event{Type: "github.pull_request", RawType: "pull_request"},
	},
	{
		name: "hostile raw type", provider: "http",
		body: `{"type":"a b/c\u0000d\u00e9` + "e" + `"}`,
		want: Event{Type: "http.a_b_cd_e", RawType: "a b/cdée"},
	},
}

// Less common shapes, for coverage of every branch that maps a type.
var extraCases = []normalizeCase{
	{
		name: "bitbucket server pr merged", provider: "bitbucket",
		header: hdr("X-Event-Key", "pr:merged", "X-Request-Id", "d9f9d3b2"),
		body: `{"eventKey":"pr:merged","date":"2017-09-19T11:16:47+1000","actor":{"name":"admin"},"pullRequest":{"id":9,"title":"file edited online",
"fromRef":{"displayId":"a-branch","repository":{"slug":"repository","project":{"key":"PROJ"}}},
"toRef":{"displayId":"master","repository":{"slug":"repository","project":{"key":"PROJ"}}}}}`,
		want: Event{
			Type: "code.pr.merged", RawType: "pr:merged", Subject: "PROJ/repository", OccurredAt: at("2017-09-19T01:16:47Z"),
			Data: map[string]any{
				"repository": "PROJ/repository", "number": int64(9), "title": "file edited online", "actor": "admin",
				"source_branch": "a-branch", "target_branch": "master",
			},
		},
	},
	{
		name: "bitbucket server tag added", provider: "bitbucket",
		header: hdr("X-Event-Key", "repo:refs_changed"),
		body: `{"eventKey":"repo:refs_changed","date":"2017-09-19T09:58:11+1000","actor":{"name":"admin"},"repository":{"slug":"repository","project":{"key":"PROJ"}},
"changes":[{"ref":{"id":"refs/tags/v1","displayId":"v1","type":"TAG"},"refId":"refs/tags/v1","fromHash":"0000000000000000000000000000000000000000",
"toHash":"178864a7d521b6f5e720b386b2c2b0ef8563e0dc","type":"ADD"}]}`,
		want: Event{
			Type: "code.tag.created", RawType: "repo:refs_changed", Subject: "PROJ/repository", OccurredAt: at("2017-09-18T23:58:11Z"),
			Data: map[string]any{"repository": "PROJ/repository", "tag": "v1", "sha": "178864a7d521b6f5e720b386b2c2b0ef8563e0dc", "actor": "admin"},
		},
	},
	{
		name: "bitbucket server branch push", provider: "bitbucket",
		header: hdr("X-Event-Key", "repo:refs_changed"),
		body: `{"actor":{"name":"admin"},"repository":{"slug":"r","project":{"key":"P"}},
"changes":[{"ref":{"id":"refs/heads/master","displayId":"master","type":"BRANCH"},"refId":"refs/heads/master","fromHash":"aaa","toHash":"bbb","type":"UPDATE"}]}`,
		want: Event{
			Type: "code.push", RawType: "repo:refs_changed", Subject: "P/r",
			Data: map[string]any{
				"repository": "P/r", "ref": "refs/heads/master", "branch": "master", "before": "aaa", "after": "bbb",
				"created": false, "deleted": false, "actor": "admin",
			},
		},
	},
	{
		name: "bitbucket issue created", provider: "bitbucket",
		header: hdr("X-Event-Key", "issue:created"),
		body: `{"actor":{"nickname":"ann"},"repository":{"full_name":"team/repo"},"issue":{"id":4,"title":"Broken","created_on":"2026-11-22T03:00:00Z",
"links":{"html":{"href":"https://bitbucket.org/team/repo/issues/4"}}}}`,
		want: Event{
			Type: "issue.created", RawType: "issue:created", Subject: "team/repo", OccurredAt: at("2026-11-22T03:00:00Z"),
			Data: map[string]any{"repository": "team/repo", "number": int64(4), "title": "Broken", "actor": "ann", "url": "https://bitbucket.org/team/repo/issues/4"},
		},
	},
	{
		name: "bitbucket tag deleted", provider: "bitbucket",
		header: hdr("X-Event-Key", "repo:push"),
		body:   `{"repository":{"full_name":"t/r"},"push":{"changes":[{"new":null,"old":{"type":"tag","name":"v1","target":{"hash":"c0"}},"closed":true}]}}`,
		want: Event{
			Type: "code.tag.deleted", RawType: "repo:push", Subject: "t/r",
			Data: map[string]any{"repository": "t/r", "tag": "v1", "sha": "c0"},
		},
	},
	{
		name: "bitbucket server ping", provider: "bitbucket",
		header: hdr("X-Event-Key", "diagnostics:ping"),
		body:   `{"test":true}`,
		want:   Event{Type: "system.ping", RawType: "diagnostics:ping"},
	},
	{
		name: "gitlab issue closed", provider: "gitlab",
		header: hdr("X-Gitlab-Event", "Issue Hook"),
		body: `{"object_kind":"issue","user":{"username":"root"},"project":{"path_with_namespace":"g/p"},
"object_attributes":{"iid":23,"title":"New API: create/update/delete file","action":"close","url":"http://example.com/g/p/issues/23","updated_at":"2013-12-03T17:15:43Z"}}`,
		want: Event{
			Type: "issue.closed", RawType: "issue.close", Subject: "g/p", OccurredAt: at("2013-12-03T17:15:43Z"),
			Data: map[string]any{"repository": "g/p", "number": int64(23), "title": "New API: create/update/delete file", "actor": "root", "url": "http://example.com/g/p/issues/23"},
		},
	},
	{
		name: "gitlab release create", provider: "gitlab",
		header: hdr("X-Gitlab-Event", "Release Hook"),
		body: `{"object_kind":"release","action":"create","tag":"v1.1","name":"Awesome app v0.1 alpha","url":"https://example.com/g/p/-/releases/v1.1",
"released_at":"2020-11-02 12:55:12 UTC","created_at":"2020-11-02 12:55:12 UTC","project":{"path_with_namespace":"g/p"}}`,
		want: Event{
			Type: "release.published", RawType: "release.create", Subject: "g/p", OccurredAt: at("2020-11-02T12:55:12Z"),
			Data: map[string]any{"repository": "g/p", "tag": "v1.1", "name": "Awesome app v0.1 alpha", "url": "https://example.com/g/p/-/releases/v1.1"},
		},
	},
	{
		name: "discord component", provider: "discord",
		body: `{"id":"1176284400000000000","application_id":"1100","type":3,"channel_id":"4242","user":{"id":"7"},"data":{"custom_id":"approve","component_type":2}}`,
		want: Event{
			Type: "chat.interaction", RawType: "message_component", Subject: "4242", OccurredAt: snowflakeTime("1176284400000000000"),
			Data: map[string]any{"user": "7", "channel": "4242", "custom_id": "approve"},
		},
	},
	{
		name: "discord modal submit", provider: "discord",
		body: `{"id":"1","application_id":"1100","type":5,"guild_id":"42","member":{"user":{"id":"7"}},"data":{"custom_id":"feedback"}}`,
		want: Event{
			Type: "chat.form.submitted", RawType: "modal_submit", Subject: "42", OccurredAt: snowflakeTime("1"),
			Data: map[string]any{"user": "7", "guild": "42", "custom_id": "feedback"},
		},
	},
	{
		name: "discord autocomplete kept", provider: "discord",
		body: `{"id":"1","application_id":"1100","type":4,"channel_id":"c"}`,
		want: Event{Type: "discord.application_command_autocomplete", RawType: "application_command_autocomplete", Subject: "c", OccurredAt: snowflakeTime("1")},
	},
	{
		name: "discord webhook event", provider: "discord",
		body: `{"version":1,"application_id":"1100","type":1,"event":{"type":"APPLICATION_AUTHORIZED","timestamp":"2024-10-18T14:42:53.064834","data":{}}}`,
		want: Event{Type: "discord.APPLICATION_AUTHORIZED", RawType: "APPLICATION_AUTHORIZED", OccurredAt: at("2024-10-18T14:42:53.064834Z")},
	},
	{
		name: "discord webhook ping", provider: "discord",
		body: `{"version":1,"application_id":"1100","type":0}`,
		want: Event{Type: "system.ping", RawType: "webhook_ping", Subject: "1100"},
	},
	{
		name: "stripe charge refunded", provider: "http",
		body: `{"id":"evt_r","object":"event","created":1700000000,"type":"charge.refunded","data":{"object":{"id":"ch_1","amount":2000,"amount_refunded":500,"currency":"zar","customer":"cus_1"}}}`,
		want: Event{
			Type: "payment.refunded", RawType: "charge.refunded", Subject: "ch_1", OccurredAt: at("2023-11-14T22:13:20Z"),
			Data: map[string]any{"transaction_id": "ch_1", "amount_minor": int64(500), "currency": "zar", "customer_id": "cus_1"},
		},
	},
	{
		name: "stripe invoice payment failed", provider: "http",
		body: `{"id":"evt_i","object":"event","created":1700000000,"type":"invoice.payment_failed","data":{"object":{"id":"in_1","amount_due":999,"amount_paid":0,"currency":"usd","customer":"cus_1","status":"open"}}}`,
		want: Event{
			Type: "invoice.payment_failed", RawType: "invoice.payment_failed", Subject: "in_1", OccurredAt: at("2023-11-14T22:13:20Z"),
			Data: map[string]any{"invoice_id": "in_1", "amount_minor": int64(999), "currency": "usd", "customer_id": "cus_1", "status": "open"},
		},
	},
	{
		name: "zoho desk thread reply", provider: "zoho_desk",
		body: `[{"eventType":"Ticket_Thread_Add","eventTime":"1700000000000","payload":{"id":"th-1","ticketId":"t-1","direction":"in"}},{"eventType":"Ticket_Add","payload":{"id":"t-2"}}]`,
		want: Event{
			Type: "ticket.replied", RawType: "Ticket_Thread_Add", Subject: "t-1", OccurredAt: at("2023-11-14T22:13:20Z"),
			Data: map[string]any{"ticket_id": "t-1", "reply_id": "th-1", "author": "customer", "event_count": int64(2)},
		},
	},
	{
		name: "zoho desk ticket closed", provider: "zoho_desk",
		body: `[{"eventType":"Ticket_Update","payload":{"id":"t-1","status":"Closed"},"prevState":{"status":"Open"}}]`,
		want: Event{Type: "ticket.closed", RawType: "Ticket_Update", Subject: "t-1", Data: map[string]any{"ticket_id": "t-1", "status": "Closed"}},
	},
	{
		name: "zoho billing invoice notification", provider: "zoho_billing",
		body: `{"event_id":"3","event_type":"invoice_notification","event_time":"2016-06-14T17:37:21+0530","data":{"invoice":{"invoice_id":"inv-1","customer_id":"c-1","status":"sent","total":100.5,"currency_code":"ZAR"}}}`,
		want: Event{
			Type: "invoice.created", RawType: "invoice_notification", Subject: "inv-1", OccurredAt: at("2016-06-14T12:07:21Z"),
			Data: map[string]any{"invoice_id": "inv-1", "customer_id": "c-1", "status": "sent", "amount": "100.5", "currency": "ZAR"},
		},
	},
	{
		name: "zoho payments style", provider: "zoho_billing",
		body: `{"event_id":"4","event_type":"payment.failed","event_time":1700000000000,"event_object":{"payment":{"payment_id":"p-1","amount":"10.00","currency":"INR"}}}`,
		want: Event{
			Type: "payment.failed", RawType: "payment.failed", Subject: "p-1", OccurredAt: at("2023-11-14T22:13:20Z"),
			Data: map[string]any{"transaction_id": "p-1", "amount": "10.00", "currency": "INR"},
		},
	},
}
