package normalize

import (
	"encoding/json"
	"slices"
	"strconv"

	"ihub/internal/jsonenc"
)

// EncodeData is data as JSON, byte for byte what encoding/json gives (keys
// sorted, HTML characters escaped), without its reflection: every accepted
// delivery's event data is encoded on the acknowledgement path. Values of
// other types than normalizers store fall back to encoding/json.
func EncodeData(d map[string]any) ([]byte, error) {
	if d == nil {
		return []byte("null"), nil
	}
	keys := make([]string, 0, len(d))
	size := 2
	for k, v := range d {
		keys = append(keys, k)
		size += len(k) + 4
		if s, ok := v.(string); ok {
			size += len(s) + 2
		} else {
			size += 8
		}
	}
	slices.Sort(keys)
	b := make([]byte, 0, size)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, k)
		b = append(b, ':')
		switch v := d[k].(type) {
		case string:
			b = AppendJSONString(b, v)
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		case bool:
			b = strconv.AppendBool(b, v)
		case nil:
			b = append(b, "null"...)
		case []string:
			b = jsonenc.AppendStrings(b, v, true)
		default:
			e, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			b = append(b, e...)
		}
	}
	return append(b, '}'), nil
}

// AppendJSONString appends s as a JSON string exactly as encoding/json's
// Marshal writes it (HTML characters escaped).
func AppendJSONString(b []byte, s string) []byte { return jsonenc.AppendString(b, s, true) }
