// SPDX-License-Identifier: MIT
/*
 * The one Check runner. Each tests/check_<module>.c defines Suite *suite_<module>(void); the
 * Makefile writes the list of them into suites.inc from the file names, so adding a suite file
 * is enough to run it. CK_FORK (Check's default) keeps a crash inside one test.
 */
#include <check.h>
#include <stdlib.h>

#define SUITE(name) Suite *suite_##name(void);
#include "suites.inc"
#undef SUITE

int main(void)
{
	SRunner *runner = srunner_create(NULL);
#define SUITE(name) srunner_add_suite(runner, suite_##name());
#include "suites.inc"
#undef SUITE
	srunner_run_all(runner, CK_NORMAL);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
