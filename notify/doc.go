// Package notify tells people about after-sale cases that need them: it
// formats a Notice and posts it, once, to one configured webhook Target.
//
// A Notice carries no personal data (cases carry none): only identifiers,
// statuses, the amount, the deadline and why a human is needed.
//
// # Formats
//
// Target.Format picks the body and how the answer is read:
//
//   - "generic" (or ""): the JSON body below. Any 2xx is success; 408,
//     425, 429 and 5xx are transient; any other status is permanent.
//   - "dingtalk": DingTalk custom robot (钉钉自定义机器人), markdown
//     message. With a Secret (加签, "SEC…") the URL gets
//     &timestamp=<ms>&sign=<url-encoded base64 HMAC-SHA256>.
//   - "wecom": WeCom group robot (企业微信群机器人), markdown message.
//   - "slack": Slack incoming webhook: "text" plus one mrkdwn section
//     block, with &, < and > escaped.
//
// DingTalk and WeCom answer HTTP 200 with {"errcode":0,"errmsg":"ok"};
// another errcode is a failure, transient only for "system busy" (-1)
// and rate limits (DingTalk 130101, WeCom 45009). Slack answers 200 "ok";
// 429 and 5xx are transient, other 4xx (invalid_payload, no_service…)
// permanent. The vendor functions (dingtalkBody, wecomBody, slackBody)
// cite the documentation they follow.
//
// # Generic body
//
// The Notice itself, every field under its json tag (deadline, kind,
// platform_status, rule, on_deadline and inbox_url left out when empty),
// plus "text", the title Text returns:
//
//	{"event":"escalated","workflow_id":"case/taobao/shop-a/123",
//	 "platform":"taobao","shop":"shop-a","case_id":"123","kind":"refund",
//	 "status":"waiting_seller","platform_status":"WAIT_SELLER_AGREE",
//	 "amount":12000,"currency":"CNY","deadline":"2026-11-23T18:00:00+08:00",
//	 "rule":"big-ticket","reason":"amount over 100.00 CNY","on_deadline":"agree",
//	 "at":"2026-11-23T12:30:00+08:00","inbox_url":"https://…",
//	 "text":"Escalated: taobao/shop-a/123 · 120.00 CNY"}
//
// With a Secret, the request carries X-Aftersale-Signature:
// sha256=<hex HMAC-SHA256 of the exact body bytes, keyed by Secret>.
// The body is not timestamped by the signature: a receiver that must
// reject replays can compare "at" with its clock.
//
// # Delivery
//
// Sender.Send posts once and returns nil or a *DeliveryError whose
// Permanent field says whether trying again can help; the caller (a
// Temporal activity) owns retries. Error strings never contain the target
// URL (webhook URLs are credentials: access_token, key, Slack's path) nor
// the secret.
package notify
