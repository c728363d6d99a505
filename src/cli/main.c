#include <stdio.h>
int main(void) { puts("conch"); return 0; }
