package sandbox

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Accessors for native cases (maps decoded with UseNumber). They are lenient
// about the JSON type, as platform payloads are: "true" and true, "12" and 12.

func getString(m map[string]any, k string) string {
	switch v := m[k].(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	default:
		return fmt.Sprint(v)
	}
}

func getBool(m map[string]any, k string) bool {
	switch v := m[k].(type) {
	case bool:
		return v
	case string:
		return v == "true" || v == "1"
	case json.Number:
		return v != "0"
	}
	return false
}

// getSeconds reads a duration in seconds, or def when absent or not positive.
func getSeconds(m map[string]any, k string, def time.Duration) time.Duration {
	f, err := strconv.ParseFloat(getString(m, k), 64)
	if err != nil || f <= 0 {
		return def
	}
	return time.Duration(f * float64(time.Second))
}
