// Package secret keeps credentials secret: a redacting Value type, and the
// vault's keyring — AES-256-GCM data keys with key ids, every sealed value
// bound by additional data (AAD) to its table, column and row, data keys
// wrapped by the master key. It imports nothing from ihub.
package secret
