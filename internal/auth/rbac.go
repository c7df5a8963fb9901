// Package auth is ihub's identity layer: users with argon2id passwords,
// console sessions, API tokens, roles and permissions, and login
// throttling. The HTTP layer turns a request into a Principal here and asks
// the Principal whether it may do what the route needs.
package auth

import (
	"slices"
	"sort"
)

// Permission is one capability a role or token can hold.
type Permission string

// The permissions (DESIGN.md §1.9).
const (
	PermIntegrationsRead   Permission = "integrations:read"
	PermIntegrationsManage Permission = "integrations:manage"
	PermIntegrationsProxy  Permission = "integrations:proxy"
	PermCredentialsWrite   Permission = "integrations:credentials:write"
	PermOAuthRefresh       Permission = "integrations:oauth:refresh"
	PermWebhooksReplay     Permission = "integrations:webhooks:replay"
	PermCronTrigger        Permission = "integrations:cron:trigger"
	PermUsersManage        Permission = "users:manage"
	PermAuditRead          Permission = "audit:read"
)

// AllPermissions lists every permission, sorted.
var AllPermissions = []Permission{
	PermAuditRead, PermCredentialsWrite, PermCronTrigger, PermIntegrationsManage,
	PermOAuthRefresh, PermIntegrationsProxy, PermIntegrationsRead, PermWebhooksReplay, PermUsersManage,
}

// Role is a named set of permissions.
type Role string

// The roles.
const (
	RoleSuperAdmin        Role = "super_admin"
	RoleSystemAdmin       Role = "system_admin"
	RoleITManager         Role = "it_manager"
	RoleOperationsManager Role = "operations_manager"
	RoleSupportAgent      Role = "support_agent"
)

// Roles lists every role from most to least privileged.
var Roles = []Role{RoleSuperAdmin, RoleSystemAdmin, RoleITManager, RoleOperationsManager, RoleSupportAgent}

var rolePerms = map[Role][]Permission{
	RoleSuperAdmin:  AllPermissions,
	RoleSystemAdmin: AllPermissions,
	// IT managers read everything and may refresh OAuth tokens and replay
	// webhooks, but change no configuration.
	RoleITManager: {PermIntegrationsRead, PermAuditRead, PermOAuthRefresh, PermWebhooksReplay},
	// Operations managers see integrations and their health, nothing more.
	RoleOperationsManager: {PermIntegrationsRead},
	// Support agents have no access to integrations.
	RoleSupportAgent: {},
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := rolePerms[r]; return ok }

// Permissions returns the role's permissions.
func (r Role) Permissions() []Permission { return slices.Clone(rolePerms[r]) }

// ValidPermission reports whether p is a known permission.
func ValidPermission(p Permission) bool { return slices.Contains(AllPermissions, p) }

// PrincipalKind says how a request authenticated.
type PrincipalKind string

// The principal kinds.
const (
	ViaSession PrincipalKind = "session"
	ViaToken   PrincipalKind = "token"
)

// Principal is an authenticated caller.
type Principal struct {
	Kind   PrincipalKind
	UserID string
	Email  string
	Role   Role
	// TokenID and TokenName are set for API tokens.
	TokenID   string
	TokenName string
	perms     []Permission
}

// Can reports whether the principal holds permission p.
func (p Principal) Can(perm Permission) bool { return slices.Contains(p.perms, perm) }

// Permissions returns the principal's effective permissions, sorted.
func (p Principal) Permissions() []Permission {
	out := slices.Clone(p.perms)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// covers reports whether the principal holds every permission of role r.
// Managing a user of role r (creating one, granting r, setting the
// password, deleting) needs it: otherwise a token scoped to users:manage
// could mint itself a super admin.
func (p Principal) covers(r Role) bool {
	for _, perm := range rolePerms[r] {
		if !p.Can(perm) {
			return false
		}
	}
	return true
}

// effective returns the permissions a token actually holds: its scopes that
// its owner's role still grants (a demoted owner's tokens lose power at once).
// A token without scopes holds all of its owner's permissions.
func effective(role Role, scopes []Permission) []Permission {
	granted := rolePerms[role]
	if len(scopes) == 0 {
		return slices.Clone(granted)
	}
	var out []Permission
	for _, s := range scopes {
		if slices.Contains(granted, s) {
			out = append(out, s)
		}
	}
	return out
}
