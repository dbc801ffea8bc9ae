// This file is the sixth of the security chapters (Part IV): access control
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
// with it. The principal may be "User:*" and the host "*". A host is
// matched against the client's IP address as Java's getHostAddress writes
// it, so an IPv6 host is eight groups without "::" (0:0:0:0:0:0:0:1;
// javaHostAddress, authorize.go).
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
	"cmp"
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

// Resource types (ResourceType.java). The numbers are the wire codes,
// shared by the ACL APIs and by the acls.json this broker writes, so
// they must never be renumbered. 0 is UNKNOWN, which no request may
// name; ANY exists only in filters.
const (
	resAny             int8 = 1
	resTopic           int8 = 2
	resGroup           int8 = 3
	resCluster         int8 = 4
	resTransactionalID int8 = 5
	resDelegationToken int8 = 6
	resUser            int8 = 7
)

// Operations (AclOperation.java), by wire code. 0 is UNKNOWN; ANY is
// for filters, ALL for ACLs that grant or deny everything. The token
// operations exist so that ACLs naming them can be stored and listed,
// though this broker has no delegation tokens to guard.
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

// Pattern types (PatternType.java, KIP-290) and permissions
// (AclPermissionType.java), by wire code. MATCH and ANY exist only in
// filters: an ACL is LITERAL or PREFIXED, and ALLOW or DENY.
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
// authorizer on (Config.Security.Authorizer). Kafka's KRaft authorizer
// is the one named, since its rules are the ones implemented here;
// server.properties written for a Kafka cluster then work unchanged.
const standardAuthorizer = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"

// clusterName is the one CLUSTER resource's name (Kafka's
// Resource.CLUSTER_NAME).
const clusterName = "kafka-cluster"

// acl is one ACL binding: a resource pattern and an access control entry
// (Kafka's AclBinding). The JSON tags are the acls.json format; changing
// one would lose every stored ACL on the next start.
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
// string matches anything, as do ANY types (Kafka's AclBindingFilter).
// kafka-acls.sh --list with no options sends a filter that is all ANY
// and nil, which lists every ACL.
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
	// The pattern type decides how the name is compared: exactly for ANY,
	// LITERAL and PREFIXED, by what would apply for MATCH.
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
// called name. It is the one place the pattern rules of the file comment
// live; both the decision and the MATCH filter use it, so DescribeAcls
// with MATCH lists exactly the ACLs authorize would consult.
func patternCovers(a acl, name string) bool {
	switch a.PatternType {
	case patternLiteral:
		return a.ResourceName == name || a.ResourceName == "*"
	case patternPrefixed:
		return strings.HasPrefix(name, a.ResourceName)
	}
	return false
}

// invalid reports what is wrong with a DeleteAcls filter, "" if
// nothing: a code Kafka does not know, in the words of
// AclControlManager.validateFilter. (A DescribeAcls filter is not
// checked: Kafka matches it as it is, and a code it does not know
// matches nothing.) The UNKNOWN code 0 never gets here: Kafka refuses it
// while parsing the request (unknownACLCode).
func (f aclFilter) invalid() string {
	switch {
	case f.ResourceType < resAny || f.ResourceType > resUser || f.PatternType < patternAny || f.PatternType > patternPrefixed:
		return "Unknown patternFilter."
	case f.Operation < aclAny || f.Operation > aclDescribeTokens || f.Permission < permissionAny || f.Permission > permissionAllow:
		return "Unknown entryFilter."
	}
	return ""
}

// errUnknownACLCode is the UNKNOWN code 0 as a resource type, pattern
// type, operation or permission of an ACL request. Kafka's
// DescribeAclsRequest, CreateAclsRequest and DeleteAclsRequest refuse
// it as they are parsed, so the broker closes the connection instead
// of answering (SocketServer's Processor); a client that knows the
// protocol never sends it.
var errUnknownACLCode = errors.New("kafka: an ACL request with an UNKNOWN (0) type, operation or permission")

// unknownACLCode is errUnknownACLCode if any of the codes is 0, UNKNOWN.
func unknownACLCode(codes ...int8) error {
	if slices.Contains(codes, 0) {
		return errUnknownACLCode
	}
	return nil
}

// malformed is conn.handle's check of the codes (errUnknownACLCode).
func (m *describeAclsRequest) malformed() error {
	return unknownACLCode(m.ResourceTypeFilter, m.PatternTypeFilter, m.Operation, m.PermissionType)
}

func (m *deleteAclsRequest) malformed() error {
	for _, f := range m.Filters {
		if err := f.malformed(); err != nil {
			return err
		}
	}
	return nil
}

func (m *createAclsRequest) malformed() error {
	for _, c := range m.Creations {
		if err := unknownACLCode(c.ResourceType, c.ResourcePatternType, c.Operation, c.PermissionType); err != nil {
			return err
		}
	}
	return nil
}

// invalid reports what is wrong with an ACL to be created, "" if nothing.
// The checks and their messages are Kafka's, in its order:
// AclApis.handleCreateAcls checks the CLUSTER resource's name and the
// empty name, then AclControlManager.validateNewAcl the types, which it
// names as Kafka's enums name them (a code Kafka does not know is
// UNKNOWN); kafka-acls.sh and the Admin client show the message as it
// comes. Kafka refuses nothing else: a PREFIXED kafka-cluster, an empty
// host or a principal with an empty name is created, and, like Kafka's
// authorizer, never matches more than it says.
//
// One difference is deliberate: Kafka cannot even build an ACL of type,
// pattern, operation or permission ANY (or pattern MATCH), and its
// handler fails the whole request with UNKNOWN_SERVER_ERROR; such a
// creation gets the INVALID_REQUEST validateNewAcl would give it.
func (a acl) invalid() string {
	switch {
	case a.ResourceType == resCluster && a.ResourceName != clusterName:
		return "The only valid name for the CLUSTER resource is " + clusterName
	case a.ResourceName == "":
		return "Invalid empty resource name"
	case a.ResourceType < resTopic || a.ResourceType > resUser:
		return "Invalid resourceType " + enumName(resourceTypeNames, a.ResourceType)
	case a.PatternType != patternLiteral && a.PatternType != patternPrefixed:
		return "Invalid patternType " + enumName(patternTypeNames, a.PatternType)
	case a.Operation < aclAll || a.Operation > aclDescribeTokens:
		return "Invalid operation " + enumName(operationNames, a.Operation)
	case a.Permission != permissionAllow && a.Permission != permissionDeny:
		return "Invalid permissionType " + enumName(permissionNames, a.Permission)
	}
	// A principal is TYPE:NAME (KafkaPrincipal); without the colon it
	// could never match a connection's principal, and Kafka's StandardAcl
	// could not parse it.
	if !strings.Contains(a.Principal, ":") {
		return fmt.Sprintf("Could not parse principal from `%s` (no colon is present separating the principal type from the principal name)", a.Principal)
	}
	return ""
}

// The names of Kafka's ACL enums (ResourceType, PatternType, AclOperation,
// AclPermissionType), by wire code, for the messages that name them.
var (
	resourceTypeNames = []string{"UNKNOWN", "ANY", "TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID", "DELEGATION_TOKEN", "USER"}
	patternTypeNames  = []string{"UNKNOWN", "ANY", "MATCH", "LITERAL", "PREFIXED"}
	operationNames    = []string{"UNKNOWN", "ANY", "ALL", "READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE",
		"CLUSTER_ACTION", "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE", "CREATE_TOKENS", "DESCRIBE_TOKENS"}
	permissionNames = []string{"UNKNOWN", "ANY", "DENY", "ALLOW"}
)

// enumName is code's name in names, UNKNOWN for a code Kafka does not
// know, as the enums' fromCode methods read one.
func enumName(names []string, code int8) string {
	if code < 0 || int(code) >= len(names) {
		return names[0]
	}
	return names[code]
}

// aclStore holds the ACLs and keeps them in DataDir/acls.json. Kafka keeps
// ACLs in its metadata log (AccessControlEntryRecord); one broker has no
// log to replicate them through, and a JSON file an operator can read
// and back up does the same job. A slice is enough: clusters have tens
// or hundreds of ACLs, and authorize scans them under the read lock.
type aclStore struct {
	path string
	// mu guards acls: authorize and DescribeAcls hold it for reading,
	// CreateAcls and DeleteAcls for writing, across the file write, so
	// that no request is decided by ACLs that were not saved.
	mu   sync.RWMutex
	acls []acl
}

// aclsFile is the store's file name in DataDir.
const aclsFile = "acls.json"

// openACLStore reads DataDir/acls.json. A missing file is an empty store,
// as on a broker's first start; a file that does not parse, strictly
// (decodeStoredJSON), or holds an ACL CreateAcls would refuse, stops the
// broker, because starting with no ACLs would open it to everyone that
// allow.everyone.if.no.acl.found lets in, and starting with one ACL lost
// or changed, a DENY whose "permission" key lost a byte, say, would
// widen or narrow what it decides with no word of it.
func openACLStore(dataDir string) (*aclStore, error) {
	s := &aclStore{path: filepath.Join(dataDir, aclsFile)}
	data, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, storeUnreadable(s.path, "ACLs", err)
	}
	if err := decodeStoredJSON(data, &s.acls); err != nil {
		return nil, storeUnreadable(s.path, "ACLs", err)
	}
	// CreateAcls stores an ACL once: two alike are one whose byte was
	// flipped into the other's, an ACL lost.
	seen := make(map[acl]bool, len(s.acls))
	for i, a := range s.acls {
		if msg := a.invalid(); msg != "" || seen[a] {
			return nil, storeUnreadable(s.path, "ACLs", fmt.Errorf("ACL %d: %s", i, cmp.Or(msg, "stored twice")))
		}
		seen[a] = true
	}
	return s, nil
}

// save writes the store; the caller holds mu. writeFileAtomic leaves the
// old file or the new one after a crash, never half of each, so a restart
// never finds fewer DENY ACLs than were acknowledged.
func (s *aclStore) save() error {
	data, err := json.MarshalIndent(s.acls, "", "\t")
	if err != nil {
		return err
	}
	return writeFileAtomic(s.path, append(data, '\n'))
}

// The authorizer.

// allowImplies reports whether an ALLOW of aclOp also allows asked (the
// implication rules of Kafka's StandardAuthorizerData). Implication works
// for ALLOW only: a DENY of READ does not deny DESCRIBE, so a principal
// with that DENY and an ALLOW of DESCRIBE still sees the topic.
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
// host, by rules 1-5 of the file comment. It takes the read lock per
// call, so a request that checks many topics may see an ACL created
// halfway through; Kafka's authorizer gives no more than that either.
func (s *security) authorize(principal, host string, op, resType int8, name string) bool {
	if !s.cfg.Authorizer || slices.Contains(s.cfg.SuperUsers, principal) {
		return true
	}
	s.acls.mu.RLock()
	defer s.acls.mu.RUnlock()
	// named remembers whether any ACL names the resource, whoever it is
	// for: rule 4 says no to a principal the ACLs of a resource forget,
	// while rule 5 applies only to resources no ACL mentions.
	named, allowed := false, false
	for _, a := range s.acls.acls {
		if a.ResourceType != resType || !patternCovers(a, name) {
			continue
		}
		named = true
		if !a.appliesTo(principal, host) {
			continue
		}
		// A DENY ends the scan at once; an ALLOW must wait, since a
		// later DENY overrides it whatever the order of the ACLs.
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

// appliesTo reports whether the ACL's entry is for principal connecting
// from host: exactly, or through the wildcards "User:*" and "*". Kafka
// has no other wildcard and no pattern in principals or hosts.
func (a acl) appliesTo(principal, host string) bool {
	return (a.Principal == principal || a.Principal == "User:*") && (a.Host == host || a.Host == "*")
}

// authorizeAnyTopic is Kafka's authorizeByResourceType for op on topics,
// which InitProducerId accepts in place of IDEMPOTENT_WRITE on the
// cluster (KIP-679): whether some topic exists that the principal may
// write. It follows the default method of Kafka's Authorizer interface,
// which StandardAuthorizer does not override, step by step:
//
//  1. A topic named "hardcode" is decided as any topic would be, so that
//     super users, an ALLOW on every topic and
//     allow.everyone.if.no.acl.found answer yes at once.
//  2. Otherwise only the principal's and host's ACLs of op (or ALL) on
//     topics count, and a DENY on the literal "*" answers no.
//  3. An ALLOW on the literal "*" answers yes.
//  4. Any other ALLOW answers yes unless a DENY dominates it: a DENY of
//     the same literal name, for a literal ALLOW, or a prefixed DENY of
//     any prefix of the ALLOW's name. A DENY on a longer prefix leaves
//     room, though Kafka cannot know whether a topic is in it.
func (s *security) authorizeAnyTopic(principal, host string, op int8) bool {
	if s.authorize(principal, host, op, resTopic, "hardcode") {
		return true
	}
	s.acls.mu.RLock()
	defer s.acls.mu.RUnlock()
	deniedLiteral, deniedPrefix := map[string]bool{}, map[string]bool{}
	var allowed []acl
	for _, a := range s.acls.acls {
		if a.ResourceType != resTopic || !a.appliesTo(principal, host) || (a.Operation != op && a.Operation != aclAll) {
			continue
		}
		every := a.PatternType == patternLiteral && a.ResourceName == "*"
		switch {
		case a.Permission == permissionDeny && every:
			return false
		case a.Permission == permissionDeny && a.PatternType == patternLiteral:
			deniedLiteral[a.ResourceName] = true
		case a.Permission == permissionDeny:
			deniedPrefix[a.ResourceName] = true
		default:
			allowed = append(allowed, a)
		}
	}
	if slices.ContainsFunc(allowed, func(a acl) bool { return a.PatternType == patternLiteral && a.ResourceName == "*" }) {
		return true
	}
	return slices.ContainsFunc(allowed, func(a acl) bool {
		if a.PatternType == patternLiteral && deniedLiteral[a.ResourceName] {
			return false
		}
		for i := 1; i <= len(a.ResourceName); i++ {
			if deniedPrefix[a.ResourceName[:i]] {
				return false
			}
		}
		return true
	})
}

// supportedOperations are the operations an ACL may name for each
// resource type (Kafka's AclEntry.supportedOperations), which are the
// ones "authorized operations" answers (KIP-430) choose from. USER and
// DELEGATION_TOKEN are missing because no answer here reports
// operations on them.
var supportedOperations = map[int8][]int8{
	resTopic:           {aclRead, aclWrite, aclCreate, aclDescribe, aclDelete, aclAlter, aclDescribeConfigs, aclAlterConfigs},
	resGroup:           {aclRead, aclDescribe, aclDelete, aclDescribeConfigs, aclAlterConfigs},
	resCluster:         {aclCreate, aclClusterAction, aclDescribeConfigs, aclAlterConfigs, aclIdempotentWrite, aclAlter, aclDescribe},
	resTransactionalID: {aclDescribe, aclWrite},
}

// authorizedOperations is the bit field (bit n for operation code n) of
// the operations the principal may perform on a resource, as Metadata,
// DescribeCluster and the group descriptions report them when asked.
// Each operation is decided on its own, so the answer is exactly what
// the same principal would be allowed one request at a time.
func (s *security) authorizedOperations(principal, host string, resType int8, name string) int32 {
	var bits int32
	for _, op := range supportedOperations[resType] {
		if s.authorize(principal, host, op, resType, name) {
			bits |= 1 << op
		}
	}
	return bits
}

// The ACL APIs' messages without an authorizer, with SECURITY_DISABLED,
// which the Admin client raises as a SecurityDisabledException carrying
// the text, so kafka-acls.sh prints it. Kafka's AclApis words them
// differently: DescribeAcls sets its own message, while CreateAcls and
// DeleteAcls build theirs from the exception through getErrorResponse.
var (
	securityDisabled    = ptr("No Authorizer is configured on the broker")
	noAuthorizerToAlter = ptr("No Authorizer is configured.")
)

// DescribeAcls: v1-3 (DescribeAclsRequest.json, DescribeAclsResponse.json)
//
//	v1: PatternTypeFilter and PatternType (KIP-290); our minimum, as in Kafka 4.0 (KIP-896)
//	v2: flexible
//	v3: the USER resource type
//
// The ACLs matching the filter, grouped by resource pattern, as Kafka's
// DescribeAclsResponse.aclsResources groups them. The API keys of the
// three ACL APIs are named because authorize.go's table and the tests
// refer to them.
const (
	describeAclsKey = 29
	createAclsKey   = 30
	deleteAclsKey   = 31
)

// describeAclsRequest is one filter; its fields keep the schema's names
// so that the request reads like DescribeAclsRequest.json.
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

// filter turns the request's wire fields into the filter the store
// matches with; the two differ only in names.
func (m *describeAclsRequest) filter() aclFilter {
	return aclFilter{m.ResourceTypeFilter, m.ResourceNameFilter, m.PatternTypeFilter, m.PrincipalFilter, m.HostFilter, m.Operation, m.PermissionType}
}

// describeAclsResponse carries one top-level error: a DescribeAcls is one
// filter, which matches or fails as a whole.
type describeAclsResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
	ErrorMessage   *string
	Resources      []describeAclsResource
}

// describeAclsResource is one resource pattern and the entries that name
// it, which is how kafka-acls.sh --list prints them.
type describeAclsResource struct {
	ResourceType int8
	ResourceName string
	PatternType  int8
	Acls         []aclDescription
}

// aclDescription is one access control entry of a described resource.
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
	// Resources are grouped in the order their first ACL was created,
	// which keeps the listing stable from one call to the next.
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
// added twice, and its creation succeeds, as in Kafka, so that scripts
// that add ACLs can be run again.
type createAclsRequest struct {
	Creations []aclCreation
}

// aclCreation is one ACL to add, by the schema's field names.
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

// createAclsResponse has no top-level error code; every result stands
// for the creation at the same index.
type createAclsResponse struct {
	ThrottleTimeMs int32
	Results        []aclCreationResult
}

// aclCreationResult is one creation's outcome; a nil message with
// codeNone means the ACL is in the store, new or not.
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

// handleCreateAcls adds the valid creations and saves the store once for
// the whole request. If the save fails, the store goes back to what it
// was and every creation that had succeeded answers
// UNKNOWN_SERVER_ERROR: an ACL that the file does not hold would vanish
// on restart, and a DENY that vanishes is a hole.
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
			res.ErrorCode, res.ErrorMessage = codeSecurityDisabled, noAuthorizerToAlter
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
// Each filter deletes every ACL it matches and lists them. Every filter
// is matched against the ACLs as they were before the request, so an ACL
// two filters match is listed under both and deleted once, as Kafka's
// AclControlManager.deleteAcls answers.
type deleteAclsRequest struct {
	Filters []deleteAclsFilter
}

// deleteAclsFilter has the fields of a DescribeAcls request, in the same
// order and versions (DeleteAclsRequest.json's DeleteAclsFilter), so the
// two share one type and one decoder.
type deleteAclsFilter = describeAclsRequest

func (m *deleteAclsRequest) decode(r *reader, v int16) {
	m.Filters = readArray(r, func(r *reader) (f deleteAclsFilter) {
		f.decode(r, v)
		return f
	})
	r.SkipTags()
}

// deleteAclsResponse has one result per filter, in the order sent.
type deleteAclsResponse struct {
	ThrottleTimeMs int32
	FilterResults  []deleteAclsFilterResult
}

// deleteAclsFilterResult is one filter's outcome and the ACLs it deleted.
type deleteAclsFilterResult struct {
	ErrorCode    int16
	ErrorMessage *string
	MatchingAcls []deleteAclsMatchingACL
}

// deleteAclsMatchingACL is one deleted ACL. Its own error code is for
// Kafka's partial failures, where an ACL matched but could not be
// removed; here deletion is all or nothing, and it is always NONE.
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

// handleDeleteAcls works on a copy of the ACLs and swaps it in only
// once the file is saved, so a failed save leaves the store, the file
// and what authorize sees all unchanged; every filter that had matched
// then answers UNKNOWN_SERVER_ERROR with no ACLs.
func (b *Broker) handleDeleteAcls(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*deleteAclsRequest)
	resp := &deleteAclsResponse{FilterResults: make([]deleteAclsFilterResult, 0, len(req.Filters))}
	s := b.sec.acls
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := slices.Clone(s.acls)
	for _, df := range req.Filters {
		f := df.filter()
		res := deleteAclsFilterResult{MatchingAcls: []deleteAclsMatchingACL{}}
		switch {
		case !b.sec.cfg.Authorizer:
			res.ErrorCode, res.ErrorMessage = codeSecurityDisabled, noAuthorizerToAlter
		case f.invalid() != "":
			res.ErrorCode, res.ErrorMessage = codeInvalidRequest, ptr(f.invalid())
		default:
			for _, a := range s.acls {
				if f.matches(a) {
					res.MatchingAcls = append(res.MatchingAcls, deleteAclsMatchingACL{
						ResourceType: a.ResourceType, ResourceName: a.ResourceName, PatternType: a.PatternType,
						Principal: a.Principal, Host: a.Host, Operation: a.Operation, PermissionType: a.Permission,
					})
				}
			}
			kept = slices.DeleteFunc(kept, f.matches)
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
