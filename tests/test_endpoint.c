/*  test_endpoint.c: endpoint_parse / _format / _equal, table-driven.

    Good endpoints must parse to the right address and print in canonical
    form; bad ones must fail with a one-line reason that names the bad
    part and quotes the input.
*/
#include "dtchat.h"
#include "endpoint.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

typedef struct {
    const char *text;
    const char *canonical;
    endpoint_proto_t proto;
    uint16_t port;
    int family;             //  AF_INET, AF_INET6, 0 for bp
} good_t;

static const good_t s_good [] = {
    { "udp 127.0.0.1:7777", "udp 127.0.0.1:7777", ENDPOINT_UDP, 7777,
      AF_INET },
    { "  UDP   127.0.0.1:7777  ", "udp 127.0.0.1:7777", ENDPOINT_UDP, 7777,
      AF_INET },
    { "\tTcp 10.0.0.1:0", "tcp 10.0.0.1:0", ENDPOINT_TCP, 0, AF_INET },
    { "tcp localhost:6666", "tcp 127.0.0.1:6666", ENDPOINT_TCP, 6666,
      AF_INET },
    { "udp LocalHost:1", "udp 127.0.0.1:1", ENDPOINT_UDP, 1, AF_INET },
    { "udp 0.0.0.0:65535", "udp 0.0.0.0:65535", ENDPOINT_UDP, 65535,
      AF_INET },
    { "udp [::1]:7777", "udp [::1]:7777", ENDPOINT_UDP, 7777, AF_INET6 },
    { "TCP [2001:DB8:0:0::1]:443", "tcp [2001:db8::1]:443", ENDPOINT_TCP,
      443, AF_INET6 },
    { "udp [::]:0", "udp [::]:0", ENDPOINT_UDP, 0, AF_INET6 },
    { "udp 1.2.3.4:007", "udp 1.2.3.4:7", ENDPOINT_UDP, 7, AF_INET },
    { "bp ipn:2.1", "bp ipn:2.1", ENDPOINT_BP, 0, 0 },
    { "BP IPN:18446744073709551615.0", "bp ipn:18446744073709551615.0",
      ENDPOINT_BP, 0, 0 },
    { "bp ipn:007.01", "bp ipn:7.1", ENDPOINT_BP, 0, 0 },
    { "bp dtn://node/chat", "bp dtn://node/chat", ENDPOINT_BP, 0, 0 },
    { "bp DTN://node-1/chat/room~x", "bp dtn://node-1/chat/room~x",
      ENDPOINT_BP, 0, 0 },
    { "bp ipn:2.1 via mtcp:127.0.0.1:4556",
      "bp ipn:2.1 via mtcp:127.0.0.1:4556", ENDPOINT_BP, 0, 0 },
    { " Bp  ipn:2.1  VIA  MTCP:localhost:4556 ",
      "bp ipn:2.1 via mtcp:127.0.0.1:4556", ENDPOINT_BP, 0, 0 },
    { "bp dtn://n/c via mtcp:[::1]:4556", "bp dtn://n/c via mtcp:[::1]:4556",
      ENDPOINT_BP, 0, 0 },
};

typedef struct {
    const char *text;
    const char *names;      //  the reason must contain this
} bad_t;

static const bad_t s_bad [] = {
    { "", "empty" },
    { "   ", "empty" },
    { "udp 1.2.3.4:65536", "bad port '65536'" },
    { "udp 1.2.3.4:", "bad port ''" },
    { "udp 1.2.3.4:-1", "bad port '-1'" },
    { "udp 1.2.3.4:12a", "bad port '12a'" },
    { "udp 1.2.3.4:000001", "bad port '000001'" },
    { "udp 1.2.3.4", "missing ':PORT'" },
    { "udp 1.2.3.256:5", "bad host '1.2.3.256'" },
    { "udp 127.1:5", "bad host '127.1'" },
    { "udp example.com:80", "bad host 'example.com'" },
    { "tcp foo:80", "bad host 'foo'" },
    { "udp :80", "bad host ''" },
    { "udp ::1:7777", "IPv6 address '::1' needs brackets" },
    { "udp [::1:7777", "missing ']'" },
    { "udp [::1]7777", "missing ':PORT' after '[::1]'" },
    { "udp [zz::1]:7", "bad IPv6 address 'zz::1'" },
    { "udp [1.2.3.4]:7", "bad IPv6 address '1.2.3.4'" },
    { "udp []:7", "bad IPv6 address '[]:7'" },
    { "udp [::1]:99999", "bad port '99999'" },
    { "sctp 1.2.3.4:5", "bad scheme 'sctp'" },
    { "garbage", "bad scheme 'garbage'" },
    { "??", "bad scheme '?\?'" },
    { "udp", "missing address" },
    { "udp 1.2.3.4:5 extra", "unexpected 'extra'" },
    { "udp\n1.2.3.4:5", "bad scheme 'udp?1.2.3.4:5'" },
    { "bp", "missing EID" },
    { "bp ipn:2", "bad EID 'ipn:2'" },
    { "bp ipn:2.x", "bad EID 'ipn:2.x'" },
    { "bp ipn:.1", "bad EID 'ipn:.1'" },
    { "bp ipn:-1.1", "bad EID 'ipn:-1.1'" },
    { "bp ipn:2.1.3", "bad EID 'ipn:2.1.3'" },
    { "bp ipn:18446744073709551616.1", "bad EID 'ipn:18446744073709551616.1'" },
    { "bp dtn:none", "'dtn:none'" },
    { "bp DTN:NONE", "'DTN:NONE'" },
    { "bp dtn://", "bad EID 'dtn://'" },
    { "bp dtn:///chat", "bad EID 'dtn:///chat'" },
    { "bp dtn://node", "bad EID 'dtn://node'" },
    { "bp dtn://node/", "EID 'dtn://node/' is a node ID" },
    { "bp DTN://node/ via mtcp:127.0.0.1:4556", "needs a demux" },
    { "bp dtn://n\x01/x", "bad EID 'dtn://n?/x'" },
    { "bp dtn://n\xc3\xa9/x", "bad EID 'dtn://n\xc3\xa9/x'" },
    { "bp http://x/y", "bad EID 'http://x/y'" },
    { "bp ipn:2.1 via", "missing address after 'via'" },
    { "bp ipn:2.1 via aap:127.0.0.1:4242", "bad via 'aap:127.0.0.1:4242'" },
    { "bp ipn:2.1 via mtcp:127.0.0.1:70000", "bad port '70000'" },
    { "bp ipn:2.1 via mtcp:bad:1", "bad host 'bad'" },
    { "bp ipn:2.1 over mtcp:1.2.3.4:5", "unexpected 'over'" },
    { "bp ipn:2.1 via mtcp:1.2.3.4:5 x", "unexpected 'x'" },
    { "udp 1 2 3 4 5 6", "too many words" },
};

//  Every good endpoint parses to its proto, port, family and canonical text.
static void
test_good (void **state)
{
    for (size_t i = 0; i < sizeof s_good / sizeof s_good [0]; i++) {
        const good_t *g = &s_good [i];
        endpoint_t e;
        char reason [300] = "unchanged";
        char buf [DTCHAT_ENDPOINT_MAX];
        int rc = endpoint_parse (&e, g->text, reason, sizeof reason);
        if (rc)
            fail_msg ("'%s' did not parse: %s", g->text, reason);
        assert_int_equal (e.proto, g->proto);
        assert_int_equal (endpoint_port (&e), g->port);
        assert_string_equal (endpoint_format (&e, buf, sizeof buf),
                             g->canonical);
        if (g->family) {
            assert_int_equal (e.addr.ss_family, g->family);
            assert_int_equal (e.addrlen, g->family == AF_INET?
                              sizeof (struct sockaddr_in):
                              sizeof (struct sockaddr_in6));
            assert_string_equal (e.eid, "");
        }
        else
            assert_true (strlen (e.eid) > 0);
        //  the canonical form parses back to the same place
        endpoint_t again;
        assert_int_equal (endpoint_parse (&again, buf, NULL, 0), 0);
        assert_true (endpoint_equal (&e, &again));
        char buf2 [DTCHAT_ENDPOINT_MAX];
        assert_string_equal (endpoint_format (&again, buf2, sizeof buf2),
                             buf);
    }
}

//  The parsed address is the real one, ready for bind / sendto.
static void
test_address_bytes (void **state)
{
    endpoint_t e;
    assert_int_equal (endpoint_parse (&e, "udp 10.1.2.3:258", NULL, 0), 0);
    struct sockaddr_in *in4 = (struct sockaddr_in *) &e.addr;
    assert_int_equal (ntohl (in4->sin_addr.s_addr), 0x0A010203);
    assert_int_equal (ntohs (in4->sin_port), 258);

    assert_int_equal (endpoint_parse (&e, "tcp [::1]:9", NULL, 0), 0);
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &e.addr;
    assert_true (IN6_IS_ADDR_LOOPBACK (&in6->sin6_addr));
    assert_int_equal (ntohs (in6->sin6_port), 9);

    assert_int_equal (endpoint_parse (&e,
        "bp dtn://n/c via mtcp:127.0.0.1:4556", NULL, 0), 0);
    assert_string_equal (e.eid, "dtn://n/c");
    assert_string_equal (e.via, "mtcp:127.0.0.1:4556");
    assert_int_equal (endpoint_parse (&e, "bp ipn:3.4", NULL, 0), 0);
    assert_string_equal (e.via, "");
}

//  Every bad endpoint fails with a one-line reason naming the bad part.
static void
test_bad (void **state)
{
    for (size_t i = 0; i < sizeof s_bad / sizeof s_bad [0]; i++) {
        const bad_t *b = &s_bad [i];
        endpoint_t e;
        memset (&e, 0x55, sizeof e);
        char reason [300] = "";
        int rc = endpoint_parse (&e, b->text, reason, sizeof reason);
        if (rc != -1)
            fail_msg ("'%s' parsed but should not", b->text);
        assert_int_equal (e.proto, ENDPOINT_NONE);
        if (!strstr (reason, b->names))
            fail_msg ("reason for '%s' is '%s', want '%s'",
                      b->text, reason, b->names);
        for (const char *p = reason; *p; p++)
            assert_true ((unsigned char) *p >= 0x20);
    }
}

//  The reason has the exact shape the brief promises.
static void
test_reason_exact (void **state)
{
    endpoint_t e;
    char reason [300];
    assert_int_equal (endpoint_parse (&e, "udp 1.2.3.4:99999",
                                      reason, sizeof reason), -1);
    assert_string_equal (reason, "bad port '99999' in 'udp 1.2.3.4:99999'");
    //  NULL text, NULL reason, tiny reason buffer: no crash, still -1
    assert_int_equal (endpoint_parse (&e, NULL, reason, sizeof reason), -1);
    assert_non_null (strstr (reason, "empty"));
    assert_int_equal (endpoint_parse (&e, "garbage", NULL, 0), -1);
    char tiny [8];
    assert_int_equal (endpoint_parse (&e, "garbage", tiny, sizeof tiny), -1);
    assert_int_equal (strlen (tiny), sizeof tiny - 1);
    //  an over-long endpoint is refused without reading past its limit
    char longer [600];
    memset (longer, 'a', sizeof longer - 1);
    longer [sizeof longer - 1] = 0;
    memcpy (longer, "udp ", 4);
    assert_int_equal (endpoint_parse (&e, longer, reason, sizeof reason), -1);
    assert_non_null (strstr (reason, "too long"));
}

//  endpoint_equal compares proto and address, or EID.
static void
test_equal (void **state)
{
    const struct { const char *a, *b; bool same; } pairs [] = {
        { "udp 127.0.0.1:7777", "UDP localhost:7777", true },
        { "udp 127.0.0.1:7777", "tcp 127.0.0.1:7777", false },
        { "udp 127.0.0.1:7777", "udp 127.0.0.1:7778", false },
        { "udp 127.0.0.1:7777", "udp 127.0.0.2:7777", false },
        { "udp [::1]:5", "udp [0:0::1]:5", true },
        { "udp [::1]:5", "udp 127.0.0.1:5", false },
        { "bp ipn:2.1", "bp ipn:2.1 via mtcp:1.2.3.4:5", true },
        { "bp ipn:2.1", "bp ipn:02.1", true },
        { "bp ipn:2.1", "bp ipn:2.2", false },
        { "bp dtn://a/chat", "bp dtn://b/chat", false },
        { "bp ipn:2.1", "udp 1.2.3.4:5", false },
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs [0]; i++) {
        endpoint_t a, b;
        assert_int_equal (endpoint_parse (&a, pairs [i].a, NULL, 0), 0);
        assert_int_equal (endpoint_parse (&b, pairs [i].b, NULL, 0), 0);
        if (endpoint_equal (&a, &b) != pairs [i].same)
            fail_msg ("'%s' vs '%s': want %s", pairs [i].a, pairs [i].b,
                      pairs [i].same? "equal": "different");
        assert_true (endpoint_equal (&b, &a) == pairs [i].same);
    }
    //  a failed parse leaves an endpoint that matches nothing
    endpoint_t none1, none2;
    assert_int_equal (endpoint_parse (&none1, "garbage", NULL, 0), -1);
    assert_int_equal (endpoint_parse (&none2, "garbage", NULL, 0), -1);
    assert_false (endpoint_equal (&none1, &none2));
}

//  Names, ports of bp, and formatting into a short buffer.
static void
test_misc (void **state)
{
    assert_string_equal (endpoint_proto_name (ENDPOINT_UDP), "udp");
    assert_string_equal (endpoint_proto_name (ENDPOINT_TCP), "tcp");
    assert_string_equal (endpoint_proto_name (ENDPOINT_BP), "bp");
    endpoint_t e;
    assert_int_equal (endpoint_parse (&e, "bp ipn:1.2", NULL, 0), 0);
    assert_int_equal (endpoint_port (&e), 0);
    assert_int_equal (endpoint_parse (&e, "udp 127.0.0.1:7777", NULL, 0), 0);
    char small [6];
    assert_string_equal (endpoint_format (&e, small, sizeof small), "udp 1");
}

//  endpoint_parse_for: the parse reason with its role, or the wrong scheme.
static void
test_parse_for (void **state)
{
    endpoint_t ep;
    char reason [512] = "untouched";
    assert_int_equal (endpoint_parse_for (&ep, "udp 127.0.0.1:7", ENDPOINT_UDP,
                                          "endpoint", reason,
                                          sizeof reason), 0);
    assert_int_equal (ep.proto, ENDPOINT_UDP);
    assert_int_equal (endpoint_port (&ep), 7);
    assert_int_equal (endpoint_parse_for (&ep, "tcp 127.0.0.1:7",
                                          ENDPOINT_UDP, "endpoint", reason,
                                          sizeof reason), -1);
    assert_string_equal (reason, "'tcp 127.0.0.1:7' is not a udp endpoint");
    assert_int_equal (endpoint_parse_for (&ep, "bp ipn:1.1", ENDPOINT_TCP,
                                          "local endpoint", reason,
                                          sizeof reason), -1);
    assert_string_equal (reason, "'bp ipn:1.1' is not a tcp endpoint");
    char why [512];
    assert_int_equal (endpoint_parse (&ep, "udp nowhere", why, sizeof why),
                      -1);
    assert_int_equal (endpoint_parse_for (&ep, "udp nowhere", ENDPOINT_UDP,
                                          "local endpoint", reason,
                                          sizeof reason), -1);
    char want [600];
    snprintf (want, sizeof want, "bad local endpoint: %s", why);
    assert_string_equal (reason, want);
}

//  endpoint_ipn_split: canonical ipn EIDs only, 64-bit numbers.
static void
test_ipn_split (void **state)
{
    uint64_t node = 7, service = 7;
    assert_int_equal (endpoint_ipn_split ("ipn:2.1", &node, &service), 0);
    assert_int_equal (node, 2);
    assert_int_equal (service, 1);
    assert_int_equal (endpoint_ipn_split ("ipn:18446744073709551615.0",
                                          &node, &service), 0);
    assert_true (node == UINT64_MAX);
    assert_int_equal (service, 0);
    const char *bad [] = {
        "ipn:18446744073709551616.0", "ipn:1", "ipn:1.", "ipn:.1",
        "ipn:1.1.1", "ipn: 1.1", "ipn:+1.1", "ipn:1.-1", "ipn:1.1 ",
        "IPN:1.1", "dtn://a/b", "ipn:", "", NULL
    };
    for (const char **text = bad; *text; text++) {
        node = service = 7;
        if (endpoint_ipn_split (*text, &node, &service) != -1)
            fail_msg ("'%s' split", *text);
        assert_int_equal (node + service, 14);
    }
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_good),
        cmocka_unit_test (test_address_bytes),
        cmocka_unit_test (test_bad),
        cmocka_unit_test (test_reason_exact),
        cmocka_unit_test (test_equal),
        cmocka_unit_test (test_misc),
        cmocka_unit_test (test_parse_for),
        cmocka_unit_test (test_ipn_split),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
