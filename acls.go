// This file is the third of the security chapters (Part IV): access control
// lists, the authorizer's decision, and the ACL APIs (DescribeAcls,
// CreateAcls, DeleteAcls) that manage them. It assumes security.go, which
// gives every connection its principal. What each of the other APIs asks
// the authorizer, and how a denial reaches the client, is the next
// chapter, authorize.go.
//
// # ACLs
//
// An ACL says that a principal, from a host, is allowed (or denied) an
// operation on the resources a pattern names:
//
//	User:alice  *  ALLOW  WRITE  TOPIC  LITERAL   orders
//	User:alice  *  ALLOW  READ   GROUP  PREFIXED  billing-
//	User:*      *  DENY   ALL    TOPIC  LITERAL   secrets
//
// A LITERAL pattern names one resource, or every one of its type when the
// name is "*"; a PREFIXED pattern names every resource whose name starts
// with it. The principal may be "User:*" and the host "*".
//
// # The decision
//
// With Config.Security.Authorizer on, each operation is decided as
// Kafka's StandardAuthorizer decides it, in this order:
//
//  1. A super user (super.users) may do everything.
//  2. A DENY ACL that matches the principal, host, operation and resource
//     denies, whatever else matches.
//  3. An ALLOW ACL that matches allows. ALL matches every operation, and
//     an ALLOW of READ, WRITE, DELETE or ALTER also allows DESCRIBE, an
//     ALLOW of ALTER_CONFIGS also DESCRIBE_CONFIGS.
//  4. If ACLs name the resource but none matched, the answer is no.
//  5. If no ACL names the resource at all, allow.everyone.if.no.acl.found
//     decides (Config.Security.AllowEveryoneIfNoACLFound, default no).
//
// With the authorizer off, as in Kafka without authorizer.class.name,
// everything is allowed and the ACL APIs answer SECURITY_DISABLED.
//
// The ACLs live in DataDir/acls.json, rewritten whole on each change.

package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Resource types (ResourceType.java).
const (
	resAny             int8 = 1
	resTopic           int8 = 2
	resGroup           int8 = 3
	resCluster         int8 = 4
	resTransactionalID int8 = 5
	resDelegationToken int8 = 6
	resUser            int8 = 7
)

// Operations (AclOperation.java).
const (
	aclAny             int8 = 1
	aclAll             int8 = 2
	aclRead            int8 = 3
	aclWrite           int8 = 4
	aclCreate          int8 = 5
	aclDelete          int8 = 6
	aclAlter           int8 = 7
	aclDescribe        int8 = 8
	aclClusterAction   int8 = 9
	aclDescribeConfigs int8 = 10
	aclAlterConfigs    int8 = 11
	aclIdempotentWrite int8 = 12
	aclCreateTokens    int8 = 13
	aclDescribeTokens  int8 = 14
)

// Pattern types (PatternType.java) and permissions (AclPermissionType.java).
const (
	patternAny      int8 = 1
	patternMatch    int8 = 2
	patternLiteral  int8 = 3
	patternPrefixed int8 = 4

	permissionAny   int8 = 1
	permissionDeny  int8 = 2
	permissionAllow int8 = 3
)

// standardAuthorizer is the authorizer.class.name that turns the
// authorizer on (Config.Security.Authorizer).
const standardAuthorizer = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"

// clusterName is the one CLUSTER resource's name (Kafka's
// Resource.CLUSTER_NAME).
const clusterName = "kafka-cluster"

// acl is one ACL binding: a resource pattern and an access control entry.
type acl struct {
	ResourceType int8   `json:"resource_type"`
	ResourceName string `json:"resource_name"`
	PatternType  int8   `json:"pattern_type"`
	Principal    string `json:"principal"`
	Host         string `json:"host"`
	Operation    int8   `json:"operation"`
	Permission   int8   `json:"permission"`
}

// aclFilter is what DescribeAcls and DeleteAcls match ACLs with: a nil
// string matches anything, as do ANY types.
type aclFilter struct {
	ResourceType int8
	ResourceName *string
	PatternType  int8
	Principal    *string
	Host         *string
	Operation    int8
	Permission   int8
}

// matches reports whether the filter matches a, as Kafka's
// AclBindingFilter.matches does. The MATCH pattern type matches the ACLs
// that would apply to the named resource: literal ones of that name or
// "*", and prefixed ones the name starts with.
func (f aclFilter) matches(a acl) bool {
	if f.ResourceType != resAny && f.ResourceType != a.ResourceType {
		return false
	}
	switch f.PatternType {
	case patternAny:
		if f.ResourceName != nil && *f.ResourceName != a.ResourceName {
			return false
		}
	case patternMatch:
		if f.ResourceName != nil && !patternCovers(a, *f.ResourceName) {
			return false
		}
	default:
		if f.PatternType != a.PatternType || (f.ResourceName != nil && *f.ResourceName != a.ResourceName) {
			return false
		}
	}
	return (f.Principal == nil || *f.Principal == a.Principal) &&
		(f.Host == nil || *f.Host == a.Host) &&
		(f.Operation == aclAny || f.Operation == a.Operation) &&
		(f.Permission == permissionAny || f.Permission == a.Permission)
}

// patternCovers reports whether a's resource pattern names the resource
// called name.
func patternCovers(a acl, name string) bool {
	switch a.PatternType {
	case patternLiteral:
		return a.ResourceName == name || a.ResourceName == "*"
	case patternPrefixed:
		return strings.HasPrefix(name, a.ResourceName)
	}
	return false
}

// validFilter reports what is wrong with a filter, "" if nothing: Kafka
// refuses UNKNOWN in any field (AclBindingFilter.findIndefiniteField).
func (f aclFilter) invalid() string {
	switch {
	case f.ResourceType < resAny || f.ResourceType > resUser:
		return fmt.Sprintf("invalid resource type %d", f.ResourceType)
	case f.PatternType < patternAny || f.PatternType > patternPrefixed:
		return fmt.Sprintf("invalid pattern type %d", f.PatternType)
	case f.Operation < aclAny || f.Operation > aclDescribeTokens:
		return fmt.Sprintf("invalid operation %d", f.Operation)
	case f.Permission < permissionAny || f.Permission > permissionAllow:
		return fmt.Sprintf("invalid permission type %d", f.Permission)
	}
	return ""
}

// invalid reports what is wrong with an ACL to be created, "" if nothing,
// as Kafka's AclControlManager.validateNewAcl.
func (a acl) invalid() string {
	switch {
	case a.ResourceType < resTopic || a.ResourceType > resUser:
		return fmt.Sprintf("Invalid resource type %d", a.ResourceType)
	case a.PatternType != patternLiteral && a.PatternType != patternPrefixed:
		return fmt.Sprintf("Invalid patternType %d", a.PatternType)
	case a.Operation < aclAll || a.Operation > aclDescribeTokens:
		return fmt.Sprintf("Invalid operation %d", a.Operation)
	case a.Permission != permissionAllow && a.Permission != permissionDeny:
		return fmt.Sprintf("Invalid permissionType %d", a.Permission)
	case a.ResourceName == "":
		return "Resource name should not be empty"
	case a.ResourceType == resCluster && (a.ResourceName != clusterName || a.PatternType != patternLiteral):
		return "The only valid name for the CLUSTER resource is " + clusterName
	case a.Host == "":
		return "Host should not be empty"
	}
	if typ, name, ok := strings.Cut(a.Principal, ":"); !ok || typ == "" || name == "" {
		return fmt.Sprintf("Could not parse principal from `%s` (no colon is present separating the principal type from the principal name)", a.Principal)
	}
	return ""
}

// aclStore holds the ACLs and keeps them in DataDir/acls.json.
type aclStore struct {
	path string
	mu   sync.RWMutex
	acls []acl
}

const aclsFile = "acls.json"

func openACLStore(dataDir string) (*aclStore, error) {
	s := &aclStore{path: filepath.Join(dataDir, aclsFile)}
	data, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("kafka: ACLs: %w", err)
	}
	if err := json.Unmarshal(data, &s.acls); err != nil {
		return nil, fmt.Errorf("kafka: ACLs %s: %w", s.path, err)
	}
	return s, nil
}

// save writes the store; the caller holds mu.
func (s *aclStore) save() error {
	data, err := json.MarshalIndent(s.acls, "", "\t")
	if err != nil {
		return err
	}
	return writeFileAtomic(s.path, append(data, '\n'))
}

// The authorizer.

// impliedBy lists, for an operation asked for, the operations whose ALLOW
// also allows it (Kafka's AclEntry.supportedOperations and the implication
// rules of StandardAuthorizerData).
func allowImplies(aclOp, asked int8) bool {
	if aclOp == aclAll || aclOp == asked {
		return true
	}
	switch asked {
	case aclDescribe:
		return aclOp == aclRead || aclOp == aclWrite || aclOp == aclDelete || aclOp == aclAlter
	case aclDescribeConfigs:
		return aclOp == aclAlterConfigs
	}
	return false
}

// authorize decides one operation on one resource for a principal from a
// host, by rules 1-5 of the file comment.
func (s *security) authorize(principal, host string, op, resType int8, name string) bool {
	if !s.cfg.Authorizer || slices.Contains(s.cfg.SuperUsers, principal) {
		return true
	}
	s.acls.mu.RLock()
	defer s.acls.mu.RUnlock()
	named, allowed := false, false
	for _, a := range s.acls.acls {
		if a.ResourceType != resType || !patternCovers(a, name) {
			continue
		}
		named = true
		if (a.Principal != principal && a.Principal != "User:*") || (a.Host != host && a.Host != "*") {
			continue
		}
		switch a.Permission {
		case permissionDeny:
			if a.Operation == aclAll || a.Operation == op {
				return false
			}
		case permissionAllow:
			allowed = allowed || allowImplies(a.Operation, op)
		}
	}
	if !named {
		return s.cfg.AllowEveryoneIfNoACLFound
	}
	return allowed
}

// authorizeAnyTopic is Kafka's authorizeByResourceType for WRITE on
// topics, which InitProducerId accepts in place of IDEMPOTENT_WRITE on
// the cluster (KIP-679): some ALLOW could apply to some topic, and no
// DENY covers every topic.
func (s *security) authorizeAnyTopic(principal, host string, op int8) bool {
	if !s.cfg.Authorizer || slices.Contains(s.cfg.SuperUsers, principal) {
		return true
	}
	s.acls.mu.RLock()
	defer s.acls.mu.RUnlock()
	anyTopicACL, allowed := false, false
	for _, a := range s.acls.acls {
		if a.ResourceType != resTopic {
			continue
		}
		anyTopicACL = true
		if (a.Principal != principal && a.Principal != "User:*") || (a.Host != host && a.Host != "*") {
			continue
		}
		if a.Permission == permissionDeny && (a.Operation == aclAll || a.Operation == op) && a.PatternType == patternLiteral && a.ResourceName == "*" {
			return false
		}
		if a.Permission == permissionAllow && allowImplies(a.Operation, op) {
			allowed = true
		}
	}
	return allowed || (!anyTopicACL && s.cfg.AllowEveryoneIfNoACLFound)
}

// supportedOperations are the operations an ACL may name for each
// resource type (Kafka's AclEntry.supportedOperations), which are the
// ones "authorized operations" answers (KIP-430) choose from.
var supportedOperations = map[int8][]int8{
	resTopic:           {aclRead, aclWrite, aclCreate, aclDescribe, aclDelete, aclAlter, aclDescribeConfigs, aclAlterConfigs},
	resGroup:           {aclRead, aclDescribe, aclDelete, aclDescribeConfigs, aclAlterConfigs},
	resCluster:         {aclCreate, aclClusterAction, aclDescribeConfigs, aclAlterConfigs, aclIdempotentWrite, aclAlter, aclDescribe},
	resTransactionalID: {aclDescribe, aclWrite},
}

// authorizedOperations is the bit field (bit n for operation code n) of
// the operations the principal may perform on a resource, as Metadata,
// DescribeCluster and the group descriptions report them when asked.
func (s *security) authorizedOperations(principal, host string, resType int8, name string) int32 {
	var bits int32
	for _, op := range supportedOperations[resType] {
		if s.authorize(principal, host, op, resType, name) {
			bits |= 1 << op
		}
	}
	return bits
}

// securityDisabled is the ACL APIs' answer without an authorizer, as
// Kafka's: "No Authorizer is configured."
var securityDisabled = ptr("No Authorizer is configured on the broker")

// DescribeAcls: v1-3 (DescribeAclsRequest.json, DescribeAclsResponse.json)
//
//	v1: PatternTypeFilter and PatternType (KIP-290); our minimum, as in Kafka 4.0 (KIP-896)
//	v2: flexible
//	v3: the USER resource type
//
// The ACLs matching the filter, grouped by resource pattern.
const (
	describeAclsKey = 29
	createAclsKey   = 30
	deleteAclsKey   = 31
)

type describeAclsRequest struct {
	ResourceTypeFilter int8
	ResourceNameFilter *string
	PatternTypeFilter  int8
	PrincipalFilter    *string
	HostFilter         *string
	Operation          int8
	PermissionType     int8
}

func (m *describeAclsRequest) decode(r *reader, v int16) {
	m.ResourceTypeFilter = r.Int8()
	m.ResourceNameFilter = r.NullableString()
	m.PatternTypeFilter = r.Int8()
	m.PrincipalFilter = r.NullableString()
	m.HostFilter = r.NullableString()
	m.Operation = r.Int8()
	m.PermissionType = r.Int8()
	r.SkipTags()
}

func (m *describeAclsRequest) filter() aclFilter {
	return aclFilter{m.ResourceTypeFilter, m.ResourceNameFilter, m.PatternTypeFilter, m.PrincipalFilter, m.HostFilter, m.Operation, m.PermissionType}
}

type describeAclsResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
	ErrorMessage   *string
	Resources      []describeAclsResource
}

type describeAclsResource struct {
	ResourceType int8
	ResourceName string
	PatternType  int8
	Acls         []aclDescription
}

type aclDescription struct {
	Principal      string
	Host           string
	Operation      int8
	PermissionType int8
}

func (m *describeAclsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	w.Int16(m.ErrorCode)
	w.NullableString(m.ErrorMessage)
	writeArrayNonNull(w, m.Resources, func(w *writer, r describeAclsResource) {
		w.Int8(r.ResourceType)
		w.String(r.ResourceName)
		w.Int8(r.PatternType)
		writeArrayNonNull(w, r.Acls, func(w *writer, a aclDescription) {
			w.String(a.Principal)
			w.String(a.Host)
			w.Int8(a.Operation)
			w.Int8(a.PermissionType)
			w.Tags()
		})
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleDescribeAcls(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*describeAclsRequest)
	resp := &describeAclsResponse{Resources: []describeAclsResource{}}
	if !b.sec.cfg.Authorizer {
		resp.ErrorCode, resp.ErrorMessage = codeSecurityDisabled, securityDisabled
		return resp
	}
	f := req.filter()
	if msg := f.invalid(); msg != "" {
		resp.ErrorCode, resp.ErrorMessage = codeInvalidRequest, ptr(msg)
		return resp
	}
	b.sec.acls.mu.RLock()
	defer b.sec.acls.mu.RUnlock()
	for _, a := range b.sec.acls.acls {
		if !f.matches(a) {
			continue
		}
		i := slices.IndexFunc(resp.Resources, func(r describeAclsResource) bool {
			return r.ResourceType == a.ResourceType && r.ResourceName == a.ResourceName && r.PatternType == a.PatternType
		})
		if i < 0 {
			resp.Resources = append(resp.Resources, describeAclsResource{ResourceType: a.ResourceType, ResourceName: a.ResourceName, PatternType: a.PatternType})
			i = len(resp.Resources) - 1
		}
		resp.Resources[i].Acls = append(resp.Resources[i].Acls, aclDescription{a.Principal, a.Host, a.Operation, a.Permission})
	}
	return resp
}

// CreateAcls: v1-3 (CreateAclsRequest.json, CreateAclsResponse.json)
//
//	v1: ResourcePatternType (KIP-290); our minimum, as in Kafka 4.0 (KIP-896)
//	v2: flexible
//	v3: the USER resource type
//
// One result per creation, in order. An ACL that exists already is not
// added twice.
type createAclsRequest struct {
	Creations []aclCreation
}

type aclCreation struct {
	ResourceType        int8
	ResourceName        string
	ResourcePatternType int8
	Principal           string
	Host                string
	Operation           int8
	PermissionType      int8
}

func (m *createAclsRequest) decode(r *reader, v int16) {
	m.Creations = readArray(r, func(r *reader) (c aclCreation) {
		c.ResourceType = r.Int8()
		c.ResourceName = r.String()
		c.ResourcePatternType = r.Int8()
		c.Principal = r.String()
		c.Host = r.String()
		c.Operation = r.Int8()
		c.PermissionType = r.Int8()
		r.SkipTags()
		return c
	})
	r.SkipTags()
}

type createAclsResponse struct {
	ThrottleTimeMs int32
	Results        []aclCreationResult
}

type aclCreationResult struct {
	ErrorCode    int16
	ErrorMessage *string
}

func (m *createAclsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.Results, func(w *writer, r aclCreationResult) {
		w.Int16(r.ErrorCode)
		w.NullableString(r.ErrorMessage)
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleCreateAcls(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*createAclsRequest)
	resp := &createAclsResponse{Results: make([]aclCreationResult, 0, len(req.Creations))}
	s := b.sec.acls
	s.mu.Lock()
	defer s.mu.Unlock()
	before := len(s.acls)
	for _, c := range req.Creations {
		a := acl{c.ResourceType, c.ResourceName, c.ResourcePatternType, c.Principal, c.Host, c.Operation, c.PermissionType}
		var res aclCreationResult
		switch {
		case !b.sec.cfg.Authorizer:
			res.ErrorCode, res.ErrorMessage = codeSecurityDisabled, securityDisabled
		case a.invalid() != "":
			res.ErrorCode, res.ErrorMessage = codeInvalidRequest, ptr(a.invalid())
		case !slices.Contains(s.acls, a):
			s.acls = append(s.acls, a)
		}
		resp.Results = append(resp.Results, res)
	}
	if len(s.acls) != before {
		if err := s.save(); err != nil {
			b.log.Error("saving ACLs", "err", err)
			s.acls = s.acls[:before]
			for i := range resp.Results {
				if resp.Results[i].ErrorCode == codeNone {
					resp.Results[i] = aclCreationResult{codeUnknownServerError, ptr("could not save the ACLs")}
				}
			}
		}
	}
	return resp
}

// DeleteAcls: v1-3 (DeleteAclsRequest.json, DeleteAclsResponse.json)
//
//	v1: PatternTypeFilter (KIP-290); our minimum, as in Kafka 4.0 (KIP-896)
//	v2: flexible
//	v3: the USER resource type
//
// Each filter deletes every ACL it matches and lists them.
type deleteAclsRequest struct {
	Filters []deleteAclsFilter
}

type deleteAclsFilter struct {
	ResourceTypeFilter int8
	ResourceNameFilter *string
	PatternTypeFilter  int8
	PrincipalFilter    *string
	HostFilter         *string
	Operation          int8
	PermissionType     int8
}

func (m *deleteAclsRequest) decode(r *reader, v int16) {
	m.Filters = readArray(r, func(r *reader) (f deleteAclsFilter) {
		f.ResourceTypeFilter = r.Int8()
		f.ResourceNameFilter = r.NullableString()
		f.PatternTypeFilter = r.Int8()
		f.PrincipalFilter = r.NullableString()
		f.HostFilter = r.NullableString()
		f.Operation = r.Int8()
		f.PermissionType = r.Int8()
		r.SkipTags()
		return f
	})
	r.SkipTags()
}

type deleteAclsResponse struct {
	ThrottleTimeMs int32
	FilterResults  []deleteAclsFilterResult
}

type deleteAclsFilterResult struct {
	ErrorCode    int16
	ErrorMessage *string
	MatchingAcls []deleteAclsMatchingACL
}

type deleteAclsMatchingACL struct {
	ErrorCode      int16
	ErrorMessage   *string
	ResourceType   int8
	ResourceName   string
	PatternType    int8
	Principal      string
	Host           string
	Operation      int8
	PermissionType int8
}

func (m *deleteAclsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.FilterResults, func(w *writer, r deleteAclsFilterResult) {
		w.Int16(r.ErrorCode)
		w.NullableString(r.ErrorMessage)
		writeArrayNonNull(w, r.MatchingAcls, func(w *writer, a deleteAclsMatchingACL) {
			w.Int16(a.ErrorCode)
			w.NullableString(a.ErrorMessage)
			w.Int8(a.ResourceType)
			w.String(a.ResourceName)
			w.Int8(a.PatternType)
			w.String(a.Principal)
			w.String(a.Host)
			w.Int8(a.Operation)
			w.Int8(a.PermissionType)
			w.Tags()
		})
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleDeleteAcls(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*deleteAclsRequest)
	resp := &deleteAclsResponse{FilterResults: make([]deleteAclsFilterResult, 0, len(req.Filters))}
	s := b.sec.acls
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := slices.Clone(s.acls)
	for _, df := range req.Filters {
		f := aclFilter{df.ResourceTypeFilter, df.ResourceNameFilter, df.PatternTypeFilter, df.PrincipalFilter, df.HostFilter, df.Operation, df.PermissionType}
		res := deleteAclsFilterResult{MatchingAcls: []deleteAclsMatchingACL{}}
		switch {
		case !b.sec.cfg.Authorizer:
			res.ErrorCode, res.ErrorMessage = codeSecurityDisabled, securityDisabled
		case f.invalid() != "":
			res.ErrorCode, res.ErrorMessage = codeInvalidRequest, ptr(f.invalid())
		default:
			kept = slices.DeleteFunc(kept, func(a acl) bool {
				if !f.matches(a) {
					return false
				}
				res.MatchingAcls = append(res.MatchingAcls, deleteAclsMatchingACL{
					ResourceType: a.ResourceType, ResourceName: a.ResourceName, PatternType: a.PatternType,
					Principal: a.Principal, Host: a.Host, Operation: a.Operation, PermissionType: a.Permission,
				})
				return true
			})
		}
		resp.FilterResults = append(resp.FilterResults, res)
	}
	if len(kept) != len(s.acls) {
		old := s.acls
		s.acls = kept
		if err := s.save(); err != nil {
			b.log.Error("saving ACLs", "err", err)
			s.acls = old
			for i := range resp.FilterResults {
				if resp.FilterResults[i].ErrorCode == codeNone {
					resp.FilterResults[i] = deleteAclsFilterResult{codeUnknownServerError, ptr("could not save the ACLs"), []deleteAclsMatchingACL{}}
				}
			}
		}
	}
	return resp
}
