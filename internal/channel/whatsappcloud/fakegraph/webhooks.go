package fakegraph

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// Sign is the X-Hub-Signature-256 header Meta would send with body.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// envelope wraps one change the way Meta delivers it.
func envelope(field string, value any) []byte {
	b, err := json.Marshal(map[string]any{
		"object": "whatsapp_business_account",
		"entry": []any{map[string]any{
			"id":      DefaultWABAID,
			"changes": []any{map[string]any{"field": field, "value": value}},
		}},
	})
	if err != nil {
		panic(err) // only maps of strings and numbers go in
	}
	return b
}

func metadata(phoneNumberID string) map[string]string {
	return map[string]string{"display_phone_number": DisplayPhoneNumber, "phone_number_id": phoneNumberID}
}

func unix(ts time.Time) string { return strconv.FormatInt(ts.Unix(), 10) }

// MessageWebhook is the delivery of one text message from a contact.
func MessageWebhook(phoneNumberID, from, name, wamid, text string, ts time.Time) []byte {
	return envelope("messages", map[string]any{
		"messaging_product": "whatsapp",
		"metadata":          metadata(phoneNumberID),
		"contacts":          []any{map[string]any{"profile": map[string]string{"name": name}, "wa_id": from}},
		"messages": []any{map[string]any{
			"from": from, "id": wamid, "timestamp": unix(ts), "type": "text",
			"text": map[string]string{"body": text},
		}},
	})
}

// StatusWebhook is a delivery report for a message we sent; a non-zero
// errCode makes it a failure carrying that code.
func StatusWebhook(phoneNumberID, wamid, status string, ts time.Time, errCode int) []byte {
	st := map[string]any{
		"id":           wamid,
		"status":       status,
		"timestamp":    unix(ts),
		"recipient_id": "5511999998888",
	}
	if errCode != 0 {
		msg := messages[errCode]
		if msg == "" {
			msg = "Fake error"
		}
		st["errors"] = []any{map[string]any{
			"code": errCode, "title": msg, "message": msg,
			"error_data": map[string]string{"details": msg},
		}}
	}
	if status == "sent" || status == "delivered" {
		st["pricing"] = map[string]any{"billable": true, "pricing_model": "PMP", "category": "marketing", "type": "regular"}
	}
	return envelope("messages", map[string]any{
		"messaging_product": "whatsapp",
		"metadata":          metadata(phoneNumberID),
		"statuses":          []any{st},
	})
}

// TemplateStatusWebhook is Meta's news of a template review.
func TemplateStatusWebhook(templateID, name, language, event, reason string) []byte {
	id, err := strconv.ParseInt(templateID, 10, 64)
	var idValue any = templateID
	if err == nil {
		idValue = id // Meta sends the id as a bare number
	}
	return envelope("message_template_status_update", map[string]any{
		"event":                     event,
		"message_template_id":       idValue,
		"message_template_name":     name,
		"message_template_language": language,
		"reason":                    reason,
	})
}

// PreferenceWebhook is a contact stopping or resuming marketing messages.
func PreferenceWebhook(phoneNumberID, from, value string, ts time.Time) []byte {
	return envelope("user_preferences", map[string]any{
		"messaging_product": "whatsapp",
		"metadata":          metadata(phoneNumberID),
		"contacts":          []any{map[string]any{"profile": map[string]string{"name": ""}, "wa_id": from}},
		"user_preferences": []any{map[string]any{
			"wa_id": from, "detail": "User requested to " + value + " marketing messages",
			"category": "marketing_messages", "value": value, "timestamp": ts.Unix(),
		}},
	})
}
