/* An independent reader for the interop matrix: libical's own parser, as Evolution,
 * KOrganizer and pgtrack's holidays use it. Prints one line per VEVENT:
 * UID, DTSTART and DTEND in Unix seconds (UTC), STATUS, SUMMARY, tab-separated.
 * Exits 1 when the file does not parse or libical flags an error in it. */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    FILE *f = fopen(argv[1], "rb");
    if (!f) return 2;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc(n + 1);
    if (fread(text, 1, n, f) != (size_t)n) return 2;
    text[n] = 0;
    fclose(f);
    icalcomponent *root = icalparser_parse_string(text);
    if (!root) { fprintf(stderr, "no component\n"); return 1; }
    if (icalcomponent_count_errors(root) > 0) { fprintf(stderr, "%s\n", icalcomponent_as_ical_string(root)); return 1; }
    icalcomponent *e = icalcomponent_isa(root) == ICAL_VEVENT_COMPONENT ? root
                       : icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT);
    for (; e; e = (e == root) ? NULL : icalcomponent_get_next_component(root, ICAL_VEVENT_COMPONENT)) {
        struct icaltimetype s = icalcomponent_get_dtstart(e), t = icalcomponent_get_dtend(e);
        const char *status = icalproperty_status_to_string(icalcomponent_get_status(e));
        printf("%s\t%lld\t%lld\t%s\t%s\n", icalcomponent_get_uid(e),
               (long long)icaltime_as_timet_with_zone(s, s.zone), (long long)icaltime_as_timet_with_zone(t, t.zone),
               status ? status : "", icalcomponent_get_summary(e));
    }
    return 0;
}
